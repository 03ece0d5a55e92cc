package metrics

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/northstar-dev/northstar/config"
)

func TestOptions(t *testing.T) {
	now := time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		name    string
		in      Options
		check   func(Options) bool
		wantErr string
	}{
		{"defaults", Options{}, func(o Options) bool {
			return o.TZ == "UTC" && o.AsOf.Equal(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)) &&
				slices.Equal(o.CSATSatisfied, []int{4, 5}) && o.TTVThreshold == 0.8 && o.CLV.TimeUnit == "week" &&
				o.CLV.Horizon == 52 && o.CLV.DiscountRate == 0 && o.CLV.Margin == 1 && o.Logger != nil &&
				o.CLV.ParetoTimeout == 10*time.Second
		}, ""},
		{"today in the reporting zone", Options{TZ: "Europe/Berlin"}, func(o Options) bool {
			return o.AsOf.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
		}, ""},
		{"as_of is a date", Options{AsOf: time.Date(2025, 3, 31, 17, 5, 0, 0, time.UTC)}, func(o Options) bool {
			return o.AsOf.Equal(time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC))
		}, ""},
		{"unknown zone", Options{TZ: "Mars/Olympus"}, nil, "time zone"},
		{"bad csat score", Options{CSATSatisfied: []int{6}}, nil, "csat"},
		{"bad time unit", Options{CLV: CLVOptions{TimeUnit: "year"}}, nil, "time unit"},
		{"bad discount", Options{CLV: CLVOptions{DiscountRate: 1.5}}, nil, "discount"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := c.in.withDefaults(now)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, c.wantErr)
				}
				return
			}
			if err != nil || !c.check(got) {
				t.Fatalf("withDefaults = %+v, %v", got, err)
			}
		})
	}
}

func TestFromConfig(t *testing.T) {
	m := config.Metrics{CSATSatisfied: []int{5}, TTVAdoptionThreshold: 0.7,
		CLV: config.CLV{TimeUnit: "day", Horizon: 365, DiscountRate: 0, Margin: 0.4}}
	o := FromConfig(m, "America/New_York")
	if o.TZ != "America/New_York" || !slices.Equal(o.CSATSatisfied, []int{5}) || o.TTVThreshold != 0.7 ||
		o.CLV != (CLVOptions{TimeUnit: "day", Horizon: 365, DiscountRate: 0, Margin: 0.4}) {
		t.Fatalf("FromConfig = %+v", o)
	}
}
