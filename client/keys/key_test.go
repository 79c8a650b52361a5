package keys

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
)

func TestKeysAreNotComparable(t *testing.T) {
	for _, v := range []any{FileKey{}, MasterKey{}} {
		if reflect.TypeOf(v).Comparable() {
			t.Errorf("%T is comparable with ==", v)
		}
	}
}

func TestPrintingDoesNotRevealKey(t *testing.T) {
	fk, err := FileKeyFromBytes(bytes.Repeat([]byte{0xab}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	mk, _ := MasterKeyFromBytes(bytes.Repeat([]byte{0xab}, KeySize))
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "fk", fk, "mk", mk)
	js, _ := json.Marshal(struct {
		F FileKey
		M MasterKey
	}{fk, mk})
	outs := []string{logged.String(), string(js)}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d"} {
		outs = append(outs, fmt.Sprintf(verb, fk), fmt.Sprintf(verb, mk),
			fmt.Sprintf(verb, struct{ K FileKey }{fk}), fmt.Sprintf(verb, &mk))
	}
	for _, out := range outs {
		low := strings.ToLower(out)
		if strings.Contains(low, "abab") || strings.Contains(low, "171") || !strings.Contains(out, "redacted") {
			t.Errorf("printed %q", out)
		}
	}
}

func TestDeriveSeparatesPurposes(t *testing.T) {
	fk := NewFileKey()
	a, b := fk.Derive("scatterbytes a v1"), fk.Derive("scatterbytes b v1")
	if a.Equal(b) || a.Equal(fk) || !a.Equal(fk.Derive("scatterbytes a v1")) {
		t.Fatal("Derive is not a deterministic per-context function")
	}
	if fk.DeriveWith("c", []byte{0}).Equal(fk.DeriveWith("c", []byte{1})) {
		t.Fatal("DeriveWith ignores extra")
	}
	mk := GenerateMaster()
	if mk.Derive("x").Equal(GenerateMaster().Derive("x")) || mk.IsZero() || !(FileKey{}).IsZero() {
		t.Fatal("master keys not random")
	}
	if _, err := FileKeyFromBytes(make([]byte, 31)); err == nil {
		t.Fatal("31-byte key accepted")
	}
}
