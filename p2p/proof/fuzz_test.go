package proof

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Every decoder of the proof messages is fuzzed, and so is Verify. A
// decoded message re-encodes to something that decodes to the same
// message (the canonical encoding is a fixed point), and Verify accepts
// only the honest proof's content, however its bytes are mutated.
// testdata/fuzz holds seeds written by TestWriteFuzzSeeds under
// PROOF_WRITE_SEEDS=1; the targets also seed themselves with fresh
// messages, since certificates in stored seeds expire.

func FuzzBeacon(f *testing.F) {
	fx := newFixture(f)
	f.Add(fx.beacon(f).Marshal())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := UnmarshalBeacon(data)
		if err != nil {
			return
		}
		enc := b.Marshal()
		again, err := UnmarshalBeacon(enc)
		if err != nil {
			t.Fatalf("re-encoded beacon does not decode: %v", err)
		}
		if !bytes.Equal(again.Marshal(), enc) || again.Hash() != b.Hash() {
			t.Fatal("beacon encoding is not a fixed point")
		}
		if _, err := VerifyBeacon(data, fx.opts); err == nil && b.Hash() != fx.beacons[0].Hash() {
			t.Fatal("a beacon the coordinator never signed verifies")
		}
	})
}

func FuzzProof(f *testing.F) {
	fx := newFixture(f)
	fx.put(f, 3, 3000)
	p1, _ := fx.prove(f)
	p2, _ := fx.prove(f)
	f.Add(p1)
	f.Add(p2)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Unmarshal(data)
		if err != nil {
			return
		}
		enc := p.Marshal()
		again, err := Unmarshal(enc)
		if err != nil {
			t.Fatalf("re-encoded proof does not decode: %v", err)
		}
		if !bytes.Equal(again.Marshal(), enc) {
			t.Fatal("proof encoding is not a fixed point")
		}
	})
}

func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	fx.put(f, 4, 20<<10)
	first, _ := fx.prove(f)
	honest, _ := fx.prove(f)
	want := canonical(honest)
	f.Add(honest)
	f.Add(first)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Verify(data, fx.opts)
		if err != nil {
			return
		}
		if r == nil {
			t.Fatal("no result and no error")
		}
		if got := canonical(data); !bytes.Equal(got, want) && !bytes.Equal(got, canonical(first)) {
			t.Fatal("a mutated proof verifies")
		}
	})
}

// canonical is the re-encoding of a proof: equal for equal content.
func canonical(b []byte) []byte {
	p, err := Unmarshal(b)
	if err != nil {
		return nil
	}
	return p.Marshal()
}

// TestWriteFuzzSeeds writes testdata/fuzz seeds when PROOF_WRITE_SEEDS=1.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("PROOF_WRITE_SEEDS") != "1" {
		t.Skip("set PROOF_WRITE_SEEDS=1 to rewrite the seeds")
	}
	fx := newFixture(t)
	fx.put(t, 2, 5000)
	p1, _ := fx.prove(t)
	p2, _ := fx.prove(t)
	for target, seeds := range map[string]map[string][]byte{
		"FuzzBeacon": {"beacon": fx.beacons[0].Marshal()},
		"FuzzProof":  {"first-proof": p1, "proof-2-samples": p2},
		"FuzzVerify": {"proof-2-samples": p2},
	} {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range seeds {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
