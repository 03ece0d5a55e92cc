package identity

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func eq(t testing.TB, want, got any, msg ...any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("%s: want %#v, got %#v", fmt.Sprint(msg...), want, got)
	}
}

func eqv(t testing.TB, want, got any, msg ...any) {
	t.Helper()
	if fmt.Sprint(want) != fmt.Sprint(got) {
		t.Fatalf("%s: want %v, got %v", fmt.Sprint(msg...), want, got)
	}
}

func ne(t testing.TB, a, b any, msg ...any) {
	t.Helper()
	if reflect.DeepEqual(a, b) {
		t.Fatalf("%s: both %#v", fmt.Sprint(msg...), a)
	}
}

func zero(t testing.TB, v any, msg ...any) {
	t.Helper()
	if !reflect.ValueOf(v).IsZero() {
		t.Fatalf("%s: want zero, got %v", fmt.Sprint(msg...), v)
	}
}

func isTrue(t testing.TB, v bool, msg ...any) {
	t.Helper()
	if !v {
		t.Fatalf("%s: want true", fmt.Sprint(msg...))
	}
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
