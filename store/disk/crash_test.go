package disk

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/storetest"
)

// The crash test re-runs this test binary as a child that writes and
// deletes chunks until it is SIGKILLed. The child reports on stdout:
//
//	ack <cid>      after Put returned nil (the chunk is acknowledged)
//	del <cid>      before calling Delete (it may or may not survive)
//	gone <cid>     after Delete returned nil
const (
	crashDirEnv  = "SCATTERBYTES_CRASH_DIR"
	crashSeedEnv = "SCATTERBYTES_CRASH_SEED"
	crashRounds  = 20
)

func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	acked := map[string]cid.Cid{} // must survive
	maybe := map[string]bool{}    // deleted while killed: either way
	for round := range crashRounds {
		lines := runChild(t, dir, seed+uint64(round), rng)
		for _, l := range lines {
			verb, s, _ := strings.Cut(l, " ")
			id, err := store.ParseID(s)
			if err != nil {
				t.Fatalf("child said %q: %v", l, err)
			}
			switch verb {
			case "ack":
				acked[id.KeyString()] = id
				delete(maybe, id.KeyString())
			case "del":
				maybe[id.KeyString()] = true
			case "gone":
				delete(acked, id.KeyString())
				delete(maybe, id.KeyString())
			}
		}
		checkAfterCrash(t, dir, acked, maybe)
	}
	t.Logf("%d chunks acknowledged over %d crashes", len(acked), crashRounds)
}

// runChild starts a child on dir, kills it at a random moment and returns
// the lines it printed.
func runChild(t *testing.T, dir string, seed uint64, rng *rand.Rand) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashSeedEnv+"="+strconv.FormatUint(seed, 10))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill after a random number of acknowledgements (0: possibly while
	// opening) plus a random delay, so the kill lands anywhere in a put.
	killAfter := rng.IntN(25)
	delay := time.Duration(rng.IntN(20_000)) * time.Microsecond
	var once sync.Once
	kill := func() { once.Do(func() { time.AfterFunc(delay, func() { cmd.Process.Kill() }) }) }
	if killAfter == 0 {
		kill()
	}
	var lines []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "ack ") || strings.HasPrefix(l, "del ") || strings.HasPrefix(l, "gone ") {
			lines = append(lines, l)
			if strings.HasPrefix(l, "ack ") && len(lines) >= killAfter {
				kill()
			}
		}
	}
	kill()
	io.Copy(io.Discard, out)
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ProcessState.Exited() {
		t.Fatalf("child was not killed: %v (lines %v)", err, lines)
	}
	return lines
}

// checkAfterCrash reopens the store and checks every promise.
func checkAfterCrash(t *testing.T, dir string, acked map[string]cid.Cid, maybe map[string]bool) {
	t.Helper()
	s, err := Open(context.Background(), dir, Config{Capacity: 1 << 30})
	if err != nil {
		t.Fatalf("Open after crash: %v", err)
	}
	defer s.Close()
	wantNoTemps(t, dir)
	for k, id := range acked {
		has, err := s.Has(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !has && !maybe[k] {
			t.Fatalf("acknowledged chunk %s lost", id)
		}
	}
	// Every readable chunk, acknowledged or not, is whole.
	for _, info := range infos(t, s) {
		got := storetest.ReadAll(t, s, info.ID, 0, -1)
		if int64(len(got)) != info.Size || !store.Sum(got).Equals(info.ID) {
			t.Fatalf("chunk %s reads back torn: %d bytes, want %d", info.ID, len(got), info.Size)
		}
	}
	wantUsageIsFiles(t, s)
	mustCheck(t, s)
}

// TestCrashChild is the child of TestCrash; it does nothing on its own.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestCrash only")
	}
	seed, _ := strconv.ParseUint(os.Getenv(crashSeedEnv), 10, 64)
	s, err := Open(context.Background(), dir, Config{Capacity: 1 << 30})
	if err != nil {
		t.Fatalf("child Open: %v", err)
	}
	var mu sync.Mutex
	say := func(verb string, id cid.Cid) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(os.Stdout, "%s %s\n", verb, id) // unbuffered: written when Put returned
	}
	deadline := time.Now().Add(20 * time.Second) // never outlive a dead parent for long
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			var mine []cid.Cid
			for time.Now().Before(deadline) {
				if len(mine) > 3 && rng.IntN(6) == 0 {
					id := mine[0]
					mine = mine[1:]
					say("del", id)
					if err := s.Delete(context.Background(), id); err != nil {
						t.Errorf("child Delete: %v", err)
						return
					}
					say("gone", id)
					continue
				}
				size := []int{0, 1, rng.IntN(64 << 10), rng.IntN(512 << 10)}[rng.IntN(4)]
				data, id := storetest.Chunk(rng.Uint64(), size)
				err := s.Put(context.Background(), id, int64(size), bytes.NewReader(data), []byte("order"))
				if err != nil {
					continue // ErrExists for the repeated small chunks
				}
				mine = append(mine, id)
				say("ack", id)
			}
		}()
	}
	wg.Wait()
}
