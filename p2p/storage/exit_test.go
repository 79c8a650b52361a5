package storage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/shard"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

// TestExitHandsEveryChunkOver: a node holding shards of a 4+2 file
// leaves with Exit while a client reads the file again and again; every
// read is whole and byte-identical. Exit returns once every chunk the
// node held is held by another node (one that holds no other part of
// its stripe) whose proof of an epoch after the handover the coordinator
// recorded; with the node stopped the file still reads.
func TestExitHandsEveryChunkOver(t *testing.T) {
	// Ten nodes: a hedged upload may leave a shard on two nodes, and
	// each new holder must hold no part of the stripe.
	r := newRepairNet(t, 10, 0.75)
	data, ref, c := r.put(2500 << 10) // three stripes of 4+2 shards of 256 KiB at most
	r.step()

	// The node that holds the most shards of stripes leaves.
	before, orders := r.held()
	var leaver *testnet.Peer
	shards := map[*testnet.Peer]int{}
	for id, hs := range before {
		for _, p := range hs {
			if len(orders[id].Stripe) > 0 {
				shards[p]++
			}
			if leaver == nil || shards[p] > shards[leaver] {
				leaver = p
			}
		}
	}
	var mine []cid.Cid
	var mineBytes int64
	for id, hs := range before {
		if holds(hs, leaver.Node().ID()) {
			mine = append(mine, id)
			mineBytes += orders[id].Size
		}
	}
	leaverID := leaver.Node().ID()
	t.Logf("node %d leaves with %d chunks (%d bytes), %d of them shards of stripes", leaver.Index, len(mine), mineBytes, shards[leaver])

	stopReads := readContinuously(t, c, ref, data)

	var progressCalls atomic.Int64
	t0 := time.Now()
	rep, steps, err := exitStepping(t, r, leaver, func(storage.ExitProgress) { progressCalls.Add(1) })
	took := time.Since(t0)
	if err != nil {
		t.Fatalf("exit: %v (report %+v)", err, rep)
	}
	t.Logf("exit took %v over %d stepped epochs: %d chunks (%d bytes) held, %d sent (%d bytes), %d found elsewhere, %d rounds, holders proved after epoch %d",
		took.Round(time.Millisecond), steps, rep.Held, rep.HeldBytes, rep.Sent, rep.SentBytes, rep.Found, rep.Rounds, rep.Epoch)
	if rep.Held != len(mine) || rep.HeldBytes != mineBytes || len(rep.Handovers) != len(mine) || rep.Sent != len(mine) || rep.Left != 0 {
		t.Fatalf("report %+v; want all %d chunks (%d bytes) sent and handed over", rep, len(mine), mineBytes)
	}
	if progressCalls.Load() == 0 {
		t.Error("no progress reported")
	}

	// Every chunk is held by its new holder, which holds no other part
	// of the stripe, and whose proof of an epoch after the handover the
	// coordinator recorded.
	after, _ := r.held()
	views := map[string]uint64{}
	vs, err := r.coord.Nodes()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		views[v.Peer] = v.LastEpoch
	}
	for _, h := range rep.Handovers {
		if h.To == leaverID || h.To == "" {
			t.Fatalf("chunk %s handed to %q", h.Chunk, h.To)
		}
		if !holds(after[h.Chunk], h.To) {
			t.Fatalf("chunk %s: its new holder %s does not hold it", h.Chunk, h.To)
		}
		for _, m := range orders[h.Chunk].Stripe {
			if !m.Equals(h.Chunk) && holds(after[m], h.To) {
				t.Fatalf("chunk %s went to %s, which holds %s of the same stripe", h.Chunk, h.To, m)
			}
		}
		if got := views[h.To.String()]; got <= rep.Epoch || h.Proven <= rep.Epoch {
			t.Fatalf("chunk %s: its new holder last proved epoch %d (report: %d), want one after %d", h.Chunk, got, h.Proven, rep.Epoch)
		}
	}

	// Every holder of the stripes, the new ones included, keeps a record
	// that names the new holder of each chunk handed over.
	for _, h := range rep.Handovers {
		if st := orders[h.Chunk].Stripe; len(st) > 0 {
			checkRecords(t, st, after, map[cid.Cid]peer.ID{h.Chunk: h.To})
		}
	}

	// The leaving node took no new chunk meanwhile.
	if got := countHeld(after, leaver); got != len(mine) {
		t.Fatalf("the leaving node holds %d chunks after its exit, %d before", got, len(mine))
	}

	n, failed := stopReads()
	if failed != nil {
		t.Fatalf("a read during the exit failed (after %d whole ones): %v", n, failed)
	}
	if n == 0 {
		t.Fatal("no read finished during the exit")
	}
	t.Logf("%d whole reads of the file during the exit, all identical", n)

	// An exit run again after a restart (a crash, say) finds every chunk
	// handed over and sends nothing.
	if err := leaver.Restart(); err != nil {
		t.Fatal(err)
	}
	again, _, err := exitStepping(t, r, leaver, nil)
	if err != nil {
		t.Fatalf("second exit: %v", err)
	}
	if again.Sent != 0 || again.Found != len(mine) || len(again.Handovers) != len(mine) {
		t.Fatalf("second exit: %d sent, %d found of %d", again.Sent, again.Found, len(mine))
	}
	// It found the stripes' holders in the placement records it kept
	// across the restart, not in the DHT.
	if n := storageOf(leaver).ProviderLookups(); n != 0 {
		t.Errorf("second exit made %d DHT provider lookups for stripes it keeps records of", n)
	}

	if err := leaver.Stop(); err != nil {
		t.Fatal(err)
	}
	readBack(t, c, ref, data)
}

// exitStepping runs p's Exit and steps the epochs until it returns: one
// every 2 s while it hands chunks over, as fast as the nodes prove once
// it waits for their proofs; at most 12.
func exitStepping(t *testing.T, r *repairNet, p *testnet.Peer, progress func(storage.ExitProgress)) (storage.ExitReport, int, error) {
	t.Helper()
	type result struct {
		rep storage.ExitReport
		err error
	}
	done := make(chan result, 1)
	var proving atomic.Bool
	go func() {
		rep, err := storageOf(p).Exit(t.Context(), storage.ExitOptions{Progress: func(pr storage.ExitProgress) {
			proving.Store(pr.ToProve > 0)
			if progress != nil {
				progress(pr)
			}
		}})
		done <- result{rep, err}
	}()
	last := time.Now()
	for steps := 0; ; {
		select {
		case res := <-done:
			return res.rep, steps, res.err
		case <-time.After(100 * time.Millisecond):
		}
		if !proving.Load() && time.Since(last) < 2*time.Second {
			continue
		}
		if steps == 12 {
			t.Fatalf("exit not done after %d epochs", steps)
		}
		r.step()
		steps++
		last = time.Now()
	}
}

func holds(ps []*testnet.Peer, id peer.ID) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
}

func countHeld(held map[cid.Cid][]*testnet.Peer, p *testnet.Peer) int {
	n := 0
	for _, hs := range held {
		for _, h := range hs {
			if h == p {
				n++
			}
		}
	}
	return n
}

// readContinuously reads ref through c, whole, again and again until
// stop is called, and checks each read against want; it returns once the
// first read is done. stop returns how many reads finished and the first
// failure.
func readContinuously(t *testing.T, c *client.Client, ref manifest.Ref, want []byte) (stop func() (int64, error)) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var n atomic.Int64
	var first error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			err := readOnce(ctx, c, ref, want)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				first = err
				return
			}
			n.Add(1)
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	waitUntil(t, func() error {
		if n.Load() == 0 {
			return errors.New("the first read has not finished")
		}
		return nil
	})
	stop = func() (int64, error) {
		cancel()
		wg.Wait()
		return n.Load(), first
	}
	t.Cleanup(func() { stop() })
	return stop
}

func readOnce(ctx context.Context, c *client.Client, ref manifest.Ref, want []byte) error {
	rd, err := c.Open(ctx, ref)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	defer rd.Close()
	got, err := io.ReadAll(rd)
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if !bytes.Equal(got, want) {
		return errors.New("read bytes that differ from those stored")
	}
	return nil
}

// TestExitedNodeIsPaid: a node that exits and stops proving keeps what
// it earned, its last proofs included, and the scheduled payouts pay it
// after it has gone and been suspended (the payer pays balances whatever
// the node's standing: payments.Payer.Plan looks at the balance, the
// payout address and the fee only). btcd on regtest, as `testnet up
// --btc`.
func TestExitedNodeIsPaid(t *testing.T) {
	if testing.Short() {
		t.Skip("runs btcd")
	}
	pay := testnet.TestnetPayments()
	pay.Interval = time.Second
	o := testnet.Options{Nodes: 8, Epoch: 2 * time.Second, Bitcoin: &testnet.BitcoinOptions{
		PayRateMsat: 100_000_000_000_000, // a 256 KiB shard earns about 13,000 sat a 2 s epoch
		Payments:    pay,
		BlockEvery:  time.Second,
	}}
	r := newRepairNetWith(t, o, 0.75)
	led := r.net.Bitcoin().Ledger
	r.put(1200 << 10)
	// Committed in the first epoch, sampled and credited from the second.
	for range 3 {
		r.step()
	}
	before, orders := r.held()
	var leaver *testnet.Peer
	for id, hs := range before {
		if len(orders[id].Stripe) > 0 {
			leaver = hs[0]
			break
		}
	}
	id := leaver.Node().ID()
	if _, _, err := exitStepping(t, r, leaver, nil); err != nil {
		t.Fatal(err)
	}
	last := lastEpoch(t, r, id)
	if err := leaver.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()

	// Suspended after two missed epochs, settled one later; two more let
	// the coordinator hand its last credits to the ledger.
	for e := 0; e < 8 && state(t, r, id) != "suspended"; e++ {
		r.step()
	}
	if s := state(t, r, id); s != "suspended" {
		t.Fatalf("the node that left is %s, want suspended", s)
	}
	r.step()
	r.step()
	credits, err := led.Credits(id)
	if err != nil {
		t.Fatal(err)
	}
	var earned uint64
	credited := map[uint64]bool{}
	for _, c := range credits {
		earned += c.NodeMsat
		credited[c.Epoch] = c.NodeMsat > 0
	}
	if !credited[last] {
		t.Fatalf("no credit for the node's last proof (epoch %d): credits %+v", last, credits)
	}
	bal, err := led.Balance(id)
	if err != nil {
		t.Fatal(err)
	}
	if bal.EarnedMsat != earned || earned == 0 {
		t.Fatalf("balance of the node that left: earned %d msat, its credits add up to %d", bal.EarnedMsat, earned)
	}

	// A payout made after it stopped pays it, and in the end all of it.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	err = wait.For(ctx, func() error {
		bal, err := led.Balance(id)
		if err != nil {
			return err
		}
		if bal.AvailableSat() != 0 || bal.PaidSat != bal.CommittedSat {
			return fmt.Errorf("the node that left: %d sat earned, %d committed, %d paid", bal.EarnedMsat/1000, bal.CommittedSat, bal.PaidSat)
		}
		pos, err := led.Payouts()
		if err != nil {
			return err
		}
		for _, po := range pos {
			if po.State != ledger.Confirmed || po.Created.Before(stopped) {
				continue
			}
			for _, out := range po.Outputs {
				if out.Node == id {
					t.Logf("payout %d, made %v after the node stopped, paid it %d sat; %d sat in all", po.ID,
						po.Created.Sub(stopped).Round(time.Millisecond), out.Sat, bal.PaidSat)
					return nil
				}
			}
		}
		return errors.New("no confirmed payout made after the node stopped pays it")
	})
	if err != nil {
		t.Fatal(err)
	}
}

func lastEpoch(t *testing.T, r *repairNet, id peer.ID) uint64 {
	t.Helper()
	v, ok, err := r.coord.NodeStanding(id)
	if err != nil || !ok {
		t.Fatalf("the coordinator's record of %s: %v (known: %v)", id, err, ok)
	}
	return v.LastEpoch
}

func state(t *testing.T, r *repairNet, id peer.ID) string {
	t.Helper()
	v, ok, err := r.coord.NodeStanding(id)
	if err != nil || !ok {
		t.Fatalf("the coordinator's record of %s: %v (known: %v)", id, err, ok)
	}
	return v.State.String()
}

// TestExitTooFewNodes: on six nodes a 4+2 stripe has a shard on each, so
// a leaving node finds no node outside the stripe to take its shard: the
// exit fails with shard.ErrNotEnoughNodes, saying how many nodes it
// passed over, and the node still holds and serves everything.
func TestExitTooFewNodes(t *testing.T) {
	r := newRepairNet(t, 6, 0.75)
	data, ref, c := r.put(600 << 10)
	r.step()
	ids, holders := r.stripe()
	leaver := holders[ids[0]][0]
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	rep, err := storageOf(leaver).Exit(ctx, storage.ExitOptions{})
	if !errors.Is(err, shard.ErrNotEnoughNodes) || !strings.Contains(err.Error(), "passing over the 5 other nodes") {
		t.Fatalf("exit on six nodes: %v (report %+v), want ErrNotEnoughNodes passing over 5 nodes", err, rep)
	}
	t.Log(err)
	h, _ := r.held()
	if !holds(h[ids[0]], leaver.Node().ID()) {
		t.Fatal("the leaving node lost its shard")
	}
	readBack(t, c, ref, data)
}

// TestExitReplacesAHolderThatDoesNotProve: the nodes that took the
// leaving node's chunks stop before they prove them; after their
// patience the exit hands those chunks to other nodes, which prove
// them, and returns after a second round.
func TestExitReplacesAHolderThatDoesNotProve(t *testing.T) {
	defer storage.SetExitPatienceMin(0)()
	r := newRepairNet(t, 10, 0.75)
	data, ref, c := r.put(600 << 10)
	r.step()
	before, _ := r.held()
	ids, holders := r.stripe()
	leaver := holders[ids[0]][0]
	proving := make(chan struct{}, 1)
	done := make(chan error, 1)
	var rep storage.ExitReport
	go func() {
		var err error
		rep, err = storageOf(leaver).Exit(t.Context(), storage.ExitOptions{Progress: func(p storage.ExitProgress) {
			if p.Round == 1 && p.ToProve > 0 {
				select {
				case proving <- struct{}{}:
				default:
				}
			}
		}})
		done <- err
	}()
	select {
	case <-proving:
	case err := <-done:
		t.Fatalf("exit returned before it waited for proofs: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("the exit sent nothing within a minute")
	}
	// Every node that took a chunk of the leaver's stops.
	after, _ := r.held()
	stopped := map[peer.ID]bool{}
	for id, hs := range after {
		for _, p := range hs {
			if p != leaver && !holds(before[id], p.ID) && !stopped[p.ID] {
				stopped[p.ID] = true
				if err := p.Stop(); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if len(stopped) == 0 {
		t.Fatal("no node took a chunk")
	}
	var err error
	for steps := 0; ; steps++ {
		select {
		case err = <-done:
		case <-time.After(100 * time.Millisecond):
			if steps == 16 {
				t.Fatalf("exit not done after %d epochs", steps)
			}
			r.step()
			continue
		}
		break
	}
	if err != nil {
		t.Fatalf("exit: %v (report %+v)", err, rep)
	}
	if rep.Rounds != 2 {
		t.Fatalf("exit took %d rounds, want 2", rep.Rounds)
	}
	for _, h := range rep.Handovers {
		if stopped[h.To] {
			t.Fatalf("chunk %s handed to %s, which stopped before it proved", h.Chunk, h.To)
		}
	}
	t.Logf("%d nodes stopped before proving; %d chunks handed over in %d rounds, %d sends", len(stopped), len(rep.Handovers), rep.Rounds, rep.Sent)
	if err := leaver.Stop(); err != nil {
		t.Fatal(err)
	}
	readBack(t, c, ref, data)
}
