package odata

import (
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"/Date(1130112000000)/", time.Date(2005, 10, 24, 0, 0, 0, 0, time.UTC), false},
		{"/Date(1130168212000+0000)/", time.Date(2005, 10, 24, 15, 36, 52, 0, time.UTC), false},
		{"/Date(1130168212000+0060)/", time.Date(2005, 10, 24, 15, 36, 52, 0, time.UTC), false}, // offset is informational
		{"/Date(1130168212000-0120)/", time.Date(2005, 10, 24, 15, 36, 52, 0, time.UTC), false},
		{"/Date(1130168212123)/", time.Date(2005, 10, 24, 15, 36, 52, 123e6, time.UTC), false},
		{"/Date(0)/", time.Unix(0, 0).UTC(), false},
		{"/Date(-86400000)/", time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), false},
		{"/Date(253402300799999)/", time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC), false},
		{"/Date(253402300800000)/", time.Time{}, true},
		{"/Date()/", time.Time{}, true},
		{"/Date(-)/", time.Time{}, true},
		{"/Date(12x45)/", time.Time{}, true},
		{"/Date(1130112000000+00)/", time.Time{}, true},
		{"/Date(1130112000000+00a0)/", time.Time{}, true},
		{"/Date(1130112000000)", time.Time{}, true},
		{"Date(1130112000000)/", time.Time{}, true},
		{"2005-10-24", time.Time{}, true},
		{"", time.Time{}, true},
		{"/Date(99999999999999999999)/", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseDate(%q) err = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if !got.Equal(tt.want) || (err == nil && got.Location() != time.UTC) {
				t.Fatalf("ParseDate(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"PT14H04M56S", 14*time.Hour + 4*time.Minute + 56*time.Second, false},
		{"PT00H00M00S", 0, false},
		{"PT23H59M59S", 24*time.Hour - time.Second, false},
		{"PT1H", time.Hour, false},
		{"PT5M", 5 * time.Minute, false},
		{"PT30S", 30 * time.Second, false},
		{"PT1H30S", time.Hour + 30*time.Second, false},
		{"PT12H00M00.5S", 12*time.Hour + 500*time.Millisecond, false},
		{"PT0.123456789123S", 123456789 * time.Nanosecond, false},
		{"PT", 0, true},
		{"PTS", 0, true},
		{"P1D", 0, true},
		{"PT14H04M56", 0, true},
		{"PT04M14H", 0, true},
		{"PT1H1H", 0, true},
		{"PT1.5H", 0, true},
		{"PT.S", 0, true},
		{"PT1X", 0, true},
		{"14:04:56", 0, true},
		{"PT9999999H", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTime(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseTime(%q) err = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("ParseTime(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatRoundTrip(t *testing.T) {
	ts := time.Date(2024, 2, 29, 13, 14, 15, 678e6, time.UTC)
	for _, s := range []string{FormatDate(ts), FormatDateTimeOffset(ts)} {
		got, err := ParseDate(s)
		if err != nil || !got.Equal(ts) {
			t.Fatalf("round trip %s = %v, %v", s, got, err)
		}
	}
	d := 14*time.Hour + 4*time.Minute + 56*time.Second
	if s := FormatTime(d); s != "PT14H04M56S" {
		t.Fatalf("FormatTime = %s", s)
	}
}

func TestParseV4Time(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"2015-12-31", time.Date(2015, 12, 31, 0, 0, 0, 0, time.UTC), false},
		{"2024-01-02T03:04:05Z", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), false},
		{"2024-01-02T03:04:05.123Z", time.Date(2024, 1, 2, 3, 4, 5, 123e6, time.UTC), false},
		{"2024-01-02T04:04:05+01:00", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), false},
		{"2015-13-31", time.Time{}, true},
		{"0001-01-01T00:00:00", time.Time{}, true},
		{"yesterday", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := ParseV4Time(tt.in)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("ParseV4Time(%q) = %v, %v; want %v (err %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseErrorBody(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"sap gateway", `{"error":{"code":"/IWBEP/CM_MGW_RT/022","message":{"lang":"en","value":"Invalid filter"},"innererror":{}}}`, "http 400: /IWBEP/CM_MGW_RT/022: Invalid filter"},
		{"odata v4", `{"error":{"code":"BadRequest_NotFound","message":"The company does not exist."}}`, "http 400: BadRequest_NotFound: The company does not exist."},
		{"html", `<html>Bad gateway</html>`, "http 400: <html>Bad gateway</html>"},
		{"long", strings.Repeat("x", 300), "http 400: " + strings.Repeat("x", 200) + "…"},
	}
	for _, tt := range tests {
		if got := parseErrorBody(400, []byte(tt.body)).Error(); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true},
		{"0", 0, true},
		{"Mon, 01 Jan 2024 00:00:10 GMT", 10 * time.Second, true},
		{"Sun, 31 Dec 2023 23:00:00 GMT", 0, true},
		{"soon", 0, false},
		{"", 0, false},
		{"-1", 0, false},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"/Date(1130112000000)/", "/Date(1130168212000+0000)/", "/Date(-1)/", "/Date(+1)/", "/Date()/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseDate(s)
		if err != nil {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseDate(%q) not UTC", s)
		}
		// A parsed date round-trips through both wire forms.
		for _, w := range []string{FormatDate(got), FormatDateTimeOffset(got)} {
			back, err := ParseDate(w)
			if err != nil || !back.Equal(got) {
				t.Fatalf("round trip of %q via %q: %v, %v", s, w, back, err)
			}
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"PT14H04M56S", "PT1H", "PT0.5S", "PT", "PT1H2M3.25S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseTime(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("ParseTime(%q) = %v < 0", s, d)
		}
		whole := d.Truncate(time.Second)
		back, err := ParseTime(FormatTime(whole))
		if err != nil || back != whole {
			t.Fatalf("round trip of %q: %v, %v", s, back, err)
		}
	})
}

func FuzzFilter(f *testing.F) {
	for _, s := range []string{
		"LastChangeDateTime ge datetimeoffset'2024-01-02T03:04:05Z'",
		"(LastChangeDate gt datetime'2024-01-02T00:00:00') or (LastChangeDate eq datetime'2024-01-02T00:00:00' and LastChangeTime ge time'PT14H04M56S')",
		"SalesDocument eq 'a' or SalesDocument eq 'b''c'",
		"lastModifiedDateTime ge 2024-01-02T03:04:05Z and not (number eq null)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseFilter(s)
		if err != nil {
			return
		}
		_, _ = n.eval(func(string) (val, bool) { return val{k: kStr, s: "x"}, true })
	})
}

func TestEncodeQuery(t *testing.T) {
	q := map[string][]string{
		"$filter": {"LastChangeDateTime ge datetimeoffset'2024-01-02T03:04:05.000Z' and Name eq 'a+b'"},
		"$top":    {"5"},
	}
	got := encodeQuery(q)
	want := "$filter=LastChangeDateTime%20ge%20datetimeoffset'2024-01-02T03:04:05.000Z'%20and%20Name%20eq%20'a%2Bb'&$top=5"
	if got != want {
		t.Fatalf("encodeQuery = %s\nwant %s", got, want)
	}
}
