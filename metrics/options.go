package metrics

import (
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/northstar-dev/northstar/config"
)

// Options configures one metric refresh. The zero value is usable: every
// empty field takes the default of the contract's `metrics:` section,
// except CLV.DiscountRate, where 0 means no discounting. FromConfig maps
// a configuration file's section.
type Options struct {
	// AsOf is the date the metrics are computed as of (default: today in
	// TZ). Only data with timestamps before AsOf+1 day in TZ is visible.
	AsOf time.Time
	// TZ is the reporting time zone (IANA name) that buckets days, months,
	// quarters and years; default UTC.
	TZ string
	// CSATSatisfied is the satisfied set of the 1–5 CSAT scale; default {4, 5}.
	CSATSatisfied []int
	// TTVThreshold is the adoption ratio that counts as "value reached"
	// (reported with ttv_days); default 0.8.
	TTVThreshold float64
	// CLV configures the BTYD models.
	CLV CLVOptions
	// RetentionFX is how NDR/GRR hold FX constant between the two months
	// they compare: "base_period" (default: both at the base month's daily
	// rate from ops.fx_rates, each contract row's own rate where there is
	// none) or "contract" (each contract row at its own rate).
	RetentionFX string
	// Flow maps order stages to flow states for the value-stream metrics;
	// default DefaultFlow (metrics.md §7).
	Flow []FlowStage
	// Logger receives progress and model warnings; nil discards.
	Logger *slog.Logger
}

// Ways NDR/GRR hold FX constant (Options.RetentionFX).
const (
	RetentionFXBasePeriod = config.RetentionFXBasePeriod
	RetentionFXContract   = config.RetentionFXContract
)

// CLVOptions configures the predictive CLV models (config.CLV).
type CLVOptions struct {
	TimeUnit     string  // day | week | month; default week
	Horizon      int     // prediction horizon in time units; default 52
	DiscountRate float64 // per month; 0 = no discounting (config's default is 0.01)
	Margin       float64 // gross margin applied to revenue; default 1
	// ParetoTimeout bounds the optional Pareto/NBD fit, whose likelihood
	// can be slow on data without visible drop-out; past it the model is
	// skipped with a warning. Default 10 s; negative skips Pareto/NBD.
	ParetoTimeout time.Duration
}

// FromConfig returns the Options of the `metrics:` section and the
// warehouse time zone of a configuration file; AsOf and Logger are left
// to the caller.
func FromConfig(m config.Metrics, timezone string) Options {
	var flow []FlowStage
	for _, s := range m.Flow.Stages {
		flow = append(flow, FlowStage{At: s.At, State: s.State})
	}
	return Options{
		TZ:            timezone,
		Flow:          flow,
		RetentionFX:   m.RetentionFX,
		CSATSatisfied: slices.Clone(m.CSATSatisfied),
		TTVThreshold:  m.TTVAdoptionThreshold,
		CLV: CLVOptions{
			TimeUnit:     m.CLV.TimeUnit,
			Horizon:      m.CLV.Horizon,
			DiscountRate: m.CLV.DiscountRate,
			Margin:       m.CLV.Margin,
		},
	}
}

// withDefaults returns o with defaults filled in and validated.
func (o Options) withDefaults(now time.Time) (Options, *time.Location, error) {
	if o.TZ == "" {
		o.TZ = "UTC"
	}
	loc, err := time.LoadLocation(o.TZ)
	if err != nil {
		return o, nil, fmt.Errorf("metrics: time zone %q: %w", o.TZ, err)
	}
	if o.AsOf.IsZero() {
		n := now.In(loc)
		o.AsOf = time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
	} else {
		y, m, d := o.AsOf.Date()
		o.AsOf = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	if len(o.CSATSatisfied) == 0 {
		o.CSATSatisfied = []int{4, 5}
	}
	o.CSATSatisfied = slices.Clone(o.CSATSatisfied)
	for _, s := range o.CSATSatisfied {
		if s < 1 || s > 5 {
			return o, nil, fmt.Errorf("metrics: csat satisfied score %d outside 1-5", s)
		}
	}
	if o.TTVThreshold == 0 {
		o.TTVThreshold = 0.8
	}
	if o.CLV.TimeUnit == "" {
		o.CLV.TimeUnit = "week"
	}
	switch o.CLV.TimeUnit {
	case "day", "week", "month":
	default:
		return o, nil, fmt.Errorf("metrics: clv time unit %q: want day, week or month", o.CLV.TimeUnit)
	}
	if o.CLV.Horizon <= 0 {
		o.CLV.Horizon = 52
	}
	if o.CLV.DiscountRate < 0 || o.CLV.DiscountRate >= 1 {
		return o, nil, fmt.Errorf("metrics: clv discount rate %v: want a monthly rate in [0, 1)", o.CLV.DiscountRate)
	}
	if o.CLV.ParetoTimeout == 0 {
		o.CLV.ParetoTimeout = 10 * time.Second
	}
	if o.CLV.Margin == 0 {
		o.CLV.Margin = 1
	}
	switch o.RetentionFX {
	case "":
		o.RetentionFX = RetentionFXBasePeriod
	case RetentionFXBasePeriod, RetentionFXContract:
	default:
		return o, nil, fmt.Errorf("metrics: retention fx %q: want %s or %s", o.RetentionFX, RetentionFXBasePeriod, RetentionFXContract)
	}
	if len(o.Flow) == 0 {
		o.Flow = config.DefaultFlow()
	}
	o.Flow = slices.Clone(o.Flow)
	if _, err := config.ValidateFlow(o.Flow); err != nil {
		return o, nil, fmt.Errorf("metrics: flow: %w", err)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, loc, nil
}
