package daemon

import (
	"testing"
	"time"
)

func TestSlotOf(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		spec, fired, slot, next string
	}{
		{"*/30 * * * *", "2026-03-02T10:30:00.004Z", "2026-03-02T10:30:00Z", "2026-03-02T11:00:00Z"},
		{"*/30 * * * *", "2026-03-02T10:31:10Z", "2026-03-02T10:30:00Z", "2026-03-02T11:00:00Z"},
		{"@hourly", "2026-03-02T10:59:59Z", "2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z"},
		{"@every 10m", "2026-03-02T10:17:03Z", "2026-03-02T10:10:00Z", "2026-03-02T10:20:00Z"},
		{"@every 1s", "2026-03-02T10:17:03.9Z", "2026-03-02T10:17:03Z", "2026-03-02T10:17:04Z"},
		{"@every 1h30m", "2026-03-02T10:17:03Z", "2026-03-02T09:00:00Z", "2026-03-02T10:30:00Z"},
		// 06:00 in Berlin is 05:00 UTC in winter and 04:00 UTC in summer.
		{"CRON_TZ=Europe/Berlin 0 6 * * *", "2026-01-10T05:00:00.2Z", "2026-01-10T05:00:00Z", "2026-01-11T05:00:00Z"},
		{"CRON_TZ=Europe/Berlin 0 6 * * *", "2026-07-10T04:00:01Z", "2026-07-10T04:00:00Z", "2026-07-11T04:00:00Z"},
		// No zone prefix means UTC, whatever the host's zone.
		{"0 6 * * *", "2026-07-10T06:00:00.1Z", "2026-07-10T06:00:00Z", "2026-07-11T06:00:00Z"},
		// More than an hour late: the second it fired in.
		{"0 0 1 1 *", "2026-07-10T06:00:00.5Z", "2026-07-10T06:00:00Z", "2027-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		s, err := parseSchedule(tt.spec)
		if err != nil {
			t.Fatalf("%s: %v", tt.spec, err)
		}
		fired := at(tt.fired)
		if got := slotOf(s, fired); !got.Equal(at(tt.slot)) {
			t.Errorf("%s fired %s: slot %s, want %s", tt.spec, tt.fired, got, tt.slot)
		}
		if got := s.Next(fired); !got.Equal(at(tt.next)) {
			t.Errorf("%s after %s: next %s, want %s", tt.spec, tt.fired, got, tt.next)
		}
	}
	for _, bad := range []string{"every tuesday", "* * * *", "@every", "CRON_TZ=Mars/Olympus 0 6 * * *", "* * * * * *"} {
		if _, err := parseSchedule(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestTokenEqual(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		ok     bool
	}{
		{"Bearer abc", true},
		{"bearer abc", true},
		{"Bearer  abc ", true},
		{"Bearer abcd", false},
		{"Bearer ab", false},
		{"Bearer ", false},
		{"Basic abc", false},
		{"abc", false},
		{"", false},
	}
	for _, tt := range tests {
		tok, ok := bearer(tt.header)
		if got := ok && tokenEqual(tok, "abc"); got != tt.ok {
			t.Errorf("%q: %v, want %v", tt.header, got, tt.ok)
		}
	}
}
