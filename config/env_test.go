package config

import (
	"reflect"
	"testing"
)

func TestExpand(t *testing.T) {
	env := func(name string) (string, bool) {
		v, ok := map[string]string{"A": "alpha", "EMPTY": "", "B_2": "beta"}[name]
		return v, ok
	}
	tests := []struct {
		in, want string
		problems []string
	}{
		{"plain", "plain", nil},
		{"${A}", "alpha", nil},
		{"x-${A}-${B_2}-y", "x-alpha-beta-y", nil},
		{"$$", "$", nil},
		{"$${A}", "${A}", nil},
		{"$$$${A}", "$${A}", nil},
		{"$$${A}", "$alpha", nil},
		{"a$b $ c$", "a$b $ c$", nil},
		{"${EMPTY}", "", nil},
		{"${EMPTY:-def}", "def", nil},
		{"${UNSET:-def}", "def", nil},
		{"${UNSET:-}", "", nil},
		{"${A:-def}", "alpha", nil},
		{"${UNSET:-a:-b}", "a:-b", nil},
		{"${UNSET}", "", []string{"environment variable UNSET is not set"}},
		{"${U1}${U2}", "", []string{"environment variable U1 is not set", "environment variable U2 is not set"}},
		{"${1A}", "", []string{`bad environment variable name "1A" in ${1A}`}},
		{"${}", "", []string{`bad environment variable name "" in ${}`}},
		{"${A", "${A", []string{`missing } after "${A" (write $$ for a literal $)`}},
		{"é${A}é", "éalphaé", nil},
	}
	for _, tt := range tests {
		got, problems := expand(tt.in, env)
		if got != tt.want || !reflect.DeepEqual(problems, tt.problems) {
			t.Errorf("expand(%q) = %q, %q; want %q, %q", tt.in, got, problems, tt.want, tt.problems)
		}
	}
	if _, problems := expand("${A}", nil); len(problems) != 1 {
		t.Errorf("nil env: %q", problems)
	}
}
