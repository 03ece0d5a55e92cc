package warehouse

import "testing"

func TestAppendCopyValue(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{nil, `\N`},
		{"plain", "plain"},
		{"tab\there", `tab\there`},
		{"a\\b\nc\rd", `a\\b\nc\rd`},
		{int64(-42), "-42"},
		{7, "7"},
		{true, "true"},
		{[]byte{0xde, 0xad}, `\\xdead`},
	}
	for _, c := range cases {
		got, err := appendCopyValue(nil, c.in)
		if err != nil || string(got) != c.want {
			t.Errorf("appendCopyValue(%#v) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if got := appendCopyText(nil, []byte(`{"k": "v\n"}`)); string(got) != `{"k": "v\\n"}` {
		t.Errorf("JSON bytes: %q", got)
	}
	if _, err := appendCopyValue(nil, struct{}{}); err == nil {
		t.Error("a struct must not be encoded")
	}
}
