package erasure

import (
	"errors"
	"testing"
)

func TestParseRedundancy(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Redundancy
		ok   bool
	}{
		{"4+2", Redundancy{4, 2}, true},
		{" 10+4\n", Redundancy{10, 4}, true},
		{"1+0", Redundancy{1, 0}, true},
		{"1+2", Redundancy{1, 2}, true},
		{"64+64", Redundancy{64, 64}, true},
		{"0+2", Redundancy{}, false},
		{"65+1", Redundancy{}, false},
		{"4+65", Redundancy{}, false},
		{"4+-1", Redundancy{}, false},
		{"4", Redundancy{}, false},
		{"4+", Redundancy{}, false},
		{"+2", Redundancy{}, false},
		{"4+2+1", Redundancy{}, false},
		{"a+b", Redundancy{}, false},
		{"", Redundancy{}, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseRedundancy(tc.in)
			if tc.ok != (err == nil) || (tc.ok && got != tc.want) {
				t.Fatalf("= %v, %v", got, err)
			}
			if !tc.ok && !errors.Is(err, ErrRedundancy) {
				t.Fatalf("error %v is not ErrRedundancy", err)
			}
			if tc.ok && got.String() != tc.want.String() {
				t.Fatalf("String = %s", got)
			}
		})
	}
}
