package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/scatterbytes/scatterbytes/internal/harness/procnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
)

// repair waits until the coordinator has suspended the killed nodes and
// every shard of the file is held by a live node again.
func (d *demo) repair(ctx context.Context) error {
	t0 := d.killed
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	st := d.net.State()
	dead := map[string]string{}
	var live []procnet.Proc
	for _, p := range st.Procs {
		switch {
		case p.Role != procnet.RoleNode:
		case p.Alive():
			live = append(live, p)
		default:
			dead[p.Peer] = p.Name
		}
	}
	h := d.c.Node().Host()
	for _, p := range live {
		id, err := peer.Decode(p.Peer)
		if err != nil {
			return err
		}
		for _, a := range p.Addrs {
			if m, err := ma.NewMultiaddr(a); err == nil {
				h.Peerstore().AddAddr(id, m, time.Hour)
			}
		}
	}
	var suspended time.Duration
	err := wait.For(ctx, func() error {
		vs, err := d.net.Standings()
		if err != nil {
			return err
		}
		n := 0
		for _, v := range vs {
			if _, ok := dead[v.Peer]; ok && !v.State.Paid() {
				n++
			}
		}
		if n < len(dead) {
			return fmt.Errorf("the coordinator has suspended %d of the %d killed nodes", n, len(dead))
		}
		return nil
	})
	if err != nil {
		return err
	}
	suspended = time.Since(t0)
	cl := chunk.Client{Protocol: d.net.Profile().Protocol("chunk", "1.0.0")}
	var held map[cid.Cid]int
	var rebuilt int
	err = wait.Every(ctx, time.Second, func() error {
		held, rebuilt = d.liveHolders(ctx, cl, live, dead)
		short := 0
		for _, s := range d.m.Stripes {
			n := 0
			for _, sh := range s.Shards {
				if held[sh.ID] > 0 {
					n++
				}
			}
			if n < len(s.Shards) {
				short++
			}
		}
		if short > 0 {
			return fmt.Errorf("%d of %d stripes still miss shards on live nodes (%d shards rebuilt so far)", short, len(d.m.Stripes), rebuilt)
		}
		return nil
	})
	if err != nil {
		return err
	}
	var names []string
	for _, n := range dead {
		names = append(names, n)
	}
	sort.Strings(names)
	d.printf("repair", "the coordinator suspended %s %v after the kill; the surviving holders rebuilt the %d lost shards on other nodes: every stripe back to %d+%d on live nodes %v after the kill",
		strings.Join(names, " and "), suspended.Round(time.Millisecond), rebuilt, d.m.K, d.m.M, time.Since(t0).Round(time.Millisecond))
	return nil
}

// liveHolders asks every live node which of the file's shards it holds;
// rebuilt counts the shards whose recorded holder is dead that a live node
// now holds.
func (d *demo) liveHolders(ctx context.Context, cl chunk.Client, live []procnet.Proc, dead map[string]string) (map[cid.Cid]int, int) {
	h := d.c.Node().Host()
	held := map[cid.Cid]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, p := range live {
		id, err := peer.Decode(p.Peer)
		if err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, st := range d.m.Stripes {
				for _, s := range st.Shards {
					cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
					ok, err := cl.Has(cctx, h, id, s.ID)
					cancel()
					if err == nil && ok {
						mu.Lock()
						held[s.ID]++
						mu.Unlock()
					}
				}
			}
		}()
	}
	wg.Wait()
	rebuilt := 0
	for _, st := range d.m.Stripes {
		for _, s := range st.Shards {
			for _, hb := range s.Holders {
				if p, err := peer.IDFromBytes(hb); err == nil && dead[p.String()] != "" && held[s.ID] > 0 {
					rebuilt++
				}
			}
		}
	}
	return held, rebuilt
}

// payout waits for a payout to the nodes confirmed in a block, read
// from the chain.
func (d *demo) payout(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	rpc := d.net.Chain().RPC()
	var pos []procnet.Payout
	err := wait.Every(ctx, time.Second, func() error {
		var err error
		if pos, _, err = procnet.ChainPayouts(rpc, d.net.State().Procs, 0); err != nil {
			return err
		}
		if len(pos) == 0 {
			return errors.New("no payout to the nodes confirmed yet")
		}
		return nil
	})
	if err != nil {
		return err
	}
	po := pos[0]
	d.printf("payout", "the coordinator paid %d nodes %d sat on regtest, confirmed in block %d (txid %s), %v after the start",
		len(po.Paid), po.Total(), po.Height, po.Txid, time.Since(d.t0).Round(time.Millisecond))
	return nil
}
