package identity

import (
	"math"
	"testing"
)

func TestNormalizeName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Nordwind Logistik GmbH", "nordwind logistik"},
		{"NORDWIND LOGISTIK G.M.B.H.", "nordwind logistik"},
		{"Müller & Söhne GmbH & Co. KG", "muller sohne"},
		{"Mueller and Soehne", "mueller soehne"},
		{"Société Générale S.A.", "societe generale"},
		{"Acme, Inc.", "acme"},
		{"Hansafeld B.V.", "hansafeld"},
		{"Rossi S.r.l.", "rossi"},
		{"Kowalski Sp. z o.o.", "kowalski"},
		{"Nordic A/S", "nordic"},
		{"O'Brien & Wilson LLC", "obrien wilson"},
		{"The Data Company Ltd", "data"},
		{"AG", "ag"},
		{"  ", ""},
	} {
		if got := NormalizeName(tc.in); got != tc.want {
			t.Errorf("NormalizeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormalizeTaxID(t *testing.T) {
	for _, tc := range []struct{ in, country, want string }{
		{"DE123456789", "DE", "DE:123456789"},
		{"de 123.456.789", "DE", "DE:123456789"},
		{"123456789", "DE", "DE:123456789"},
		{"ATU12345678", "AT", "AT:U12345678"},
		{"U12345678", "AT", "AT:U12345678"},
		{"ESB12345678", "ES", "ES:B12345678"},
		{"CHE-123.456.789", "CH", "CH:E123456789"},
		{"EL123456789", "GR", "GR:123456789"},
		{"NL836174632B01", "NL", "NL:836174632B01"},
		{"", "DE", ""},
		{"DE-1", "DE", ""},
	} {
		if got := NormalizeTaxID(tc.in, tc.country); got != tc.want {
			t.Errorf("NormalizeTaxID(%q, %q) = %q, want %q", tc.in, tc.country, got, tc.want)
		}
	}
}

func TestNormalizeDomain(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://www.Nordwind.de/kontakt?x=1", "nordwind.de"},
		{"http://nordwind.de:8080", "nordwind.de"},
		{"www.nordwind.de.", "nordwind.de"},
		{"info@Nordwind.DE", "nordwind.de"},
		{"buyer@gmail.com", ""},
		{"https://www.gmx.de", ""},
		{"someone@proton.me", ""},
		{"n/a", ""},
		{"", ""},
	} {
		if got := NormalizeDomain(tc.in); got != tc.want {
			t.Errorf("NormalizeDomain(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestJaroWinkler(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"martha", "marhta", 0.9611},
		{"dwayne", "duane", 0.84},
		{"dixon", "dicksonx", 0.8133},
		{"abc", "abc", 1},
		{"abc", "", 0},
		{"abc", "xyz", 0},
	} {
		got := JaroWinkler(tc.a, tc.b)
		if math.Abs(got-tc.want) > 0.0001 {
			t.Errorf("JaroWinkler(%q, %q) = %.4f, want %.4f", tc.a, tc.b, got, tc.want)
		}
		if back := JaroWinkler(tc.b, tc.a); back != got {
			t.Errorf("JaroWinkler not symmetric on %q, %q: %f vs %f", tc.a, tc.b, got, back)
		}
		if !lengthsAllow(len(tc.a), len(tc.b), got) && got > 0 {
			t.Errorf("length bound refuses %q, %q at %.4f", tc.a, tc.b, got)
		}
	}
}

func FuzzJaroWinkler(f *testing.F) {
	f.Add("nordwind logistik", "nordwnd logistik")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, a, b string) {
		s := JaroWinkler(a, b)
		if s < 0 || s > 1 || math.IsNaN(s) {
			t.Fatalf("JaroWinkler(%q, %q) = %f", a, b, s)
		}
		if s > 0 && !lengthsAllow(len(a), len(b), s-1e-9) {
			t.Fatalf("length bound refuses %q, %q at %f", a, b, s)
		}
	})
}
