package bench

import (
	"context"
	"math"
	"os"
	"os/signal"
	"slices"
	"testing"
	"time"
)

// sinkEnv makes the test binary serve as the "bench sink" command: Spread
// starts it with "--batched" (or not) and the address file last.
const sinkEnv = "SCATTERBYTES_TEST_BENCH_SINK"

func TestMain(m *testing.M) {
	if os.Getenv(sinkEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		if err := Sink(ctx, os.Args[len(os.Args)-1], slices.Contains(os.Args, "--batched")); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestSpreadMovesEveryByte(t *testing.T) {
	t.Setenv(sinkEnv, "1")
	sink := []string{os.Args[0], "-test.run=^$"}
	// An odd size does not divide among the sinks: the last takes the rest,
	// and receive fails unless exactly its share arrives.
	const size = 3<<20 + 7
	for _, tc := range []struct {
		name            string
		n               int
		batched, gather bool
	}{
		{"stream", 1, false, false},
		{"spread", 3, true, false},
		{"gather", 3, true, true},
		{"gather stock", 2, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			rate, cpu, err := Spread(ctx, sink, t.TempDir(), tc.n, size, tc.batched, tc.gather)
			if err != nil {
				t.Fatal(err)
			}
			if rate <= 0 || math.IsInf(rate, 0) || cpu <= 0 {
				t.Fatalf("rate %v B/s, CPU %v: both must be positive", rate, cpu)
			}
		})
	}
}

func TestWorkIsPositive(t *testing.T) {
	w, err := MeasureWork(4, 2, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]float64{"hash": w.Hash, "seal": w.Seal, "open": w.Open, "encode": w.Encode} {
		if !(v > 0) || math.IsInf(v, 0) {
			t.Errorf("%s: %v s/GiB, want a positive time", name, v)
		}
	}
}

func TestFloors(t *testing.T) {
	r := &Report{
		Size: 2 << 30, K: 4, M: 2,
		SpreadCPU: 3 * time.Second, GatherCPU: 2 * time.Second,
		Work: Work{Hash: 0.25, Seal: 0.5, Open: 0.75, Encode: 0.125},
	}
	// Per GiB: seal 0.5 + parity 0.125 + hashing 1.5 GiB twice at 0.25.
	tr, work := r.UploadFloor()
	if tr != 3*time.Second || work != 2*(1375*time.Millisecond) {
		t.Errorf("upload floor: transport %v, work %v; want 3s, 2.75s", tr, work)
	}
	tr, work = r.DownloadFloor()
	if tr != 2*time.Second || work != 2*time.Second {
		t.Errorf("download floor: transport %v, work %v; want 2s, 2s", tr, work)
	}
}

func TestStorePutFigures(t *testing.T) {
	sp, err := MeasureStorePut(context.Background(), t.TempDir(), 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]float64{"store": sp.Store, "raw": sp.Raw, "ratio": sp.Ratio} {
		if !(v > 0) || math.IsInf(v, 0) {
			t.Errorf("%s: %v, want positive", name, v)
		}
	}
	if !(sp.RatioMin <= sp.Ratio && sp.Ratio <= sp.RatioMax) {
		t.Errorf("ratio %v outside its range %v–%v", sp.Ratio, sp.RatioMin, sp.RatioMax)
	}
}
