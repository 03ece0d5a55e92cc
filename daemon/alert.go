package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
)

// alert is the JSON body POSTed to a connector's webhook when a run
// fails or ends partial. Text makes it readable in chat tools that
// accept {"text": …} (Slack, Mattermost, Teams workflows).
type alert struct {
	Event           string                                `json:"event"` // northstar.run.failed | northstar.run.partial
	Connector       string                                `json:"connector"`
	RunID           int64                                 `json:"run_id,omitempty"`
	Status          string                                `json:"status"`
	Trigger         string                                `json:"trigger"`
	Error           string                                `json:"error,omitempty"`
	DurationSeconds float64                               `json:"duration_seconds"`
	Counts          map[northstar.Stream]northstar.Counts `json:"counts,omitempty"`
	Host            string                                `json:"host"`
	Time            time.Time                             `json:"time"`
	Text            string                                `json:"text"`
}

// newWebhookClient returns a retrying HTTP client with short timeouts and
// no logger: retryablehttp's logger prints request URLs, and a webhook URL
// often carries a secret.
func newWebhookClient() *retryablehttp.Client {
	c := retryablehttp.NewClient()
	c.Logger = nil
	c.RetryMax = 2
	c.RetryWaitMin = 200 * time.Millisecond
	c.RetryWaitMax = 2 * time.Second
	c.HTTPClient.Timeout = 5 * time.Second
	c.ErrorHandler = retryablehttp.PassthroughErrorHandler
	return c
}

// alert POSTs a to the connector's webhook, if it has one. Delivery is
// bounded (about 10 s, 2 s during shutdown) and its failure is logged
// with the webhook's host only.
func (d *Daemon) alert(ctx context.Context, cfg *config.Config, log *slog.Logger, a alert) {
	var hook string
	for _, c := range cfg.Connectors {
		if c.Name == a.Connector {
			hook = c.Webhook
		}
	}
	if hook == "" {
		return
	}
	a.Event = "northstar.run." + a.Status
	a.Host = d.host
	a.Time = time.Now().UTC()
	if a.RunID > 0 {
		a.Text = fmt.Sprintf("northstar: %s run %d of connector %s", a.Status, a.RunID, a.Connector)
	} else {
		a.Text = fmt.Sprintf("northstar: connector %s could not run", a.Connector)
	}
	if a.Error != "" {
		a.Text += ": " + a.Error
	}
	body, err := json.Marshal(a)
	if err != nil {
		log.Error("alert webhook: encode", "err", err)
		return
	}
	timeout := 10 * time.Second
	if ctx.Err() != nil {
		timeout = 2 * time.Second // shutting down: do not hold it up
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	host := "?"
	if u, err := url.Parse(hook); err == nil {
		host = u.Host
	}
	if err := d.postWebhook(wctx, hook, body); err != nil {
		d.m.webhooks.WithLabelValues(a.Connector, "failed").Inc()
		log.Warn("alert webhook failed", "webhook_host", host, "err", err)
		return
	}
	d.m.webhooks.WithLabelValues(a.Connector, "sent").Inc()
	log.Debug("alert webhook sent", "webhook_host", host)
}

// postWebhook delivers body; its errors never contain the URL.
func (d *Daemon) postWebhook(ctx context.Context, hook string, body []byte) error {
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, hook, bytes.NewReader(body))
	if err != nil {
		return errors.New("bad webhook URL")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "northstar")
	resp, err := d.webhook.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // *url.Error quotes the URL
		}
		return fmt.Errorf("post: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("post: HTTP %d", resp.StatusCode)
	}
	return nil
}
