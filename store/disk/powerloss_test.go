package disk

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/storetest"
)

// TestPowerLoss cuts the power between each pair of a put's steps (file
// created, bytes written, file synced, index written, acknowledged) under
// the model in fault_storefaults.go, in a child built with -tags
// storefaults, and checks the store's promises after reopening: the puts
// acknowledged before survive, whole; the put cut short left either
// nothing or its whole chunk; nothing torn is readable; usage equals the
// files. It is what proves that the put may skip the temp file, the
// rename, the directory sync and the index sync (doc.go, "Write path").
func TestPowerLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("power-loss test skipped in -short mode")
	}
	child := buildFaultChild(t)
	// What the cut put may leave: before its file is synced, nothing;
	// after, its whole chunk (indexed, or adopted from the file on open).
	// Every file damage and index loss is tried at every step, and
	// "garbage" (full length, wrong bytes: what catches an entry written
	// before its file is durable) with both.
	for _, step := range []struct {
		name  string
		whole bool
	}{{"created", false}, {"written", false}, {"synced", true}, {"indexed", true}} {
		for _, damage := range [][2]string{{"gone", "kept"}, {"torn", "lost"}, {"garbage", "kept"}, {"garbage", "lost"}} {
			file, index := damage[0], damage[1]
			t.Run(step.name+"/"+file+"/"+index, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				acked, cut := runFaultChild(t, child, dir, fmt.Sprintf("%s:%d:%s:%s", step.name, powerLossPuts, file, index))
				if len(acked) != powerLossPuts-1 {
					t.Fatalf("%d puts acknowledged before the cut, want %d", len(acked), powerLossPuts-1)
				}
				s := openTest(t, dir, Config{})
				for _, id := range acked {
					if has, err := s.Has(context.Background(), id); err != nil || !has {
						t.Fatalf("acknowledged chunk %s lost (%v)", id, err)
					}
				}
				has, err := s.Has(context.Background(), cut)
				if err != nil {
					t.Fatal(err)
				}
				if has != step.whole {
					t.Fatalf("the put cut after %q left its chunk: %v, want %v", step.name, has, step.whole)
				}
				for _, info := range infos(t, s) {
					got := storetest.ReadAll(t, s, info.ID, 0, -1)
					if int64(len(got)) != info.Size || !store.Sum(got).Equals(info.ID) {
						t.Fatalf("chunk %s reads back torn", info.ID)
					}
				}
				u := wantUsageIsFiles(t, s)
				if want := int64(len(acked)) + map[bool]int64{true: 1}[step.whole]; u.Chunks != want {
					t.Fatalf("usage counts %d chunks, want %d", u.Chunks, want)
				}
				mustCheck(t, s)
			})
		}
	}
}

// powerLossPuts is how many puts the child makes; the last is cut.
const powerLossPuts = 3

// buildFaultChild builds this package's tests with -tags storefaults, so
// the put's fault points act (the production build has none).
func buildFaultChild(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the fault-injection child")
	}
	bin := filepath.Join(t.TempDir(), "disk-faults.test")
	t0 := time.Now()
	if out, err := exec.Command(gobin, "test", "-c", "-tags", "storefaults", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go test -c -tags storefaults: %v\n%s", err, out)
	}
	t.Logf("built the fault-injection child in %v", time.Since(t0).Round(time.Millisecond))
	return bin
}

// runFaultChild runs the child on dir with the fault spec and returns the
// chunks it acknowledged and the one it was putting when the power went.
func runFaultChild(t *testing.T, bin, dir, spec string) (acked []cid.Cid, cut cid.Cid) {
	t.Helper()
	cmd := exec.Command(bin, "-test.run=^TestPowerLossChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, faultEnv+"="+spec)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ProcessState.Exited() {
		t.Fatalf("child was not killed at %s: %v\n%s%s", spec, err, out, stderr.Bytes())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		verb, s, _ := strings.Cut(sc.Text(), " ")
		id, err := store.ParseID(s)
		if err != nil {
			t.Fatalf("child said %q: %v", sc.Text(), err)
		}
		switch verb {
		case "ack":
			acked = append(acked, id)
		case "put":
			cut = id
		}
	}
	if !cut.Defined() {
		t.Fatalf("child named no put in progress:\n%s", out)
	}
	return acked, cut
}

// TestPowerLossChild is the child of TestPowerLoss; it does nothing on
// its own. It puts powerLossPuts chunks one at a time, saying "put <cid>"
// before each and "ack <cid>" after; a fault point kills it on the way.
func TestPowerLossChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" || os.Getenv(faultEnv) == "" {
		t.Skip("run by TestPowerLoss only")
	}
	s, err := Open(context.Background(), dir, Config{Capacity: 1 << 30})
	if err != nil {
		t.Fatalf("child Open: %v", err)
	}
	var mu sync.Mutex
	say := func(verb string, id cid.Cid) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(os.Stdout, "%s %s\n", verb, id)
	}
	for i := range powerLossPuts {
		// Sizes with a partial last block, so the file's tail goes
		// through the page cache while the rest is written directly.
		data, id := storetest.Chunk(uint64(i), 300<<10+i*4099)
		say("put", id)
		if err := s.Put(context.Background(), id, int64(len(data)), bytes.NewReader(data), []byte("order")); err != nil {
			t.Fatalf("child Put: %v", err)
		}
		say("ack", id)
	}
	t.Fatal("child finished: the fault point never fired")
}
