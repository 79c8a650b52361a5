package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/disk"
)

// StorePutGoal is the least StorePut.Ratio the chunk store aims for: a
// put of a 4 MiB chunk at 0.8 of the speed of writing and fsyncing the
// same bytes to a new file.
const StorePutGoal = 0.8

// storePutChunk is the chunk size of the StorePut figure: a shard of a
// large file.
const storePutChunk = 4 << 20

// StorePut compares a disk.Store put of 4 MiB chunks with its bound, a
// plain write of the same bytes to a new file and an fsync, on the same
// disk at the same moments.
type StorePut struct {
	Store, Raw float64 // bytes per second, over every pair
	// Ratio is the median over rounds of each round's figure, the median
	// of its pairs' raw time over store time; RatioMin and RatioMax are
	// the range of the rounds' figures.
	Ratio, RatioMin, RatioMax float64
	Rounds, Pairs             int // rounds, and pairs of writes in each
}

// MeasureStorePut alternates a raw write+fsync and a store put, pairs
// times in each of rounds rounds, in a fresh store under dir. Alternating
// gives both the same disk: on a shared machine, two runs seconds apart
// see different ones; which goes first alternates too, and the median of
// the pairs' ratios keeps one stalled write from moving a round's figure.
// Deleting a chunk to make room for its next put is not timed.
func MeasureStorePut(ctx context.Context, dir string, rounds, pairs int) (StorePut, error) {
	dir, err := os.MkdirTemp(dir, "storeput-")
	if err != nil {
		return StorePut{}, err
	}
	defer os.RemoveAll(dir)
	s, err := disk.Open(ctx, filepath.Join(dir, "store"), disk.Config{Capacity: 1 << 40})
	if err != nil {
		return StorePut{}, err
	}
	defer s.Close()
	const distinct = 4
	var datas [distinct][]byte
	var ids [distinct]cid.Cid
	base := make([]byte, storePutChunk)
	rng := rand.NewChaCha8([32]byte{'s', 'b'})
	rng.Read(base)
	for i := range datas {
		datas[i] = bytes.Clone(base)
		binary.BigEndian.PutUint64(datas[i], uint64(i))
		ids[i] = store.Sum(datas[i])
	}
	r := StorePut{Rounds: rounds, Pairs: pairs}
	var rounded []float64
	var rawAll, stAll time.Duration
	n := 0
	for range rounds {
		var ratios []float64
		for range pairs {
			j := n % distinct
			if n >= distinct {
				if err := s.Delete(ctx, ids[j]); err != nil {
					return r, err
				}
			}
			path := filepath.Join(dir, fmt.Sprint(n))
			rawOne := func() (time.Duration, error) {
				t0 := time.Now()
				err := writeSync(path, datas[j])
				return time.Since(t0), err
			}
			putOne := func() (time.Duration, error) {
				t0 := time.Now()
				err := s.Put(ctx, ids[j], storePutChunk, bytes.NewReader(datas[j]), nil)
				return time.Since(t0), err
			}
			first, second := rawOne, putOne
			if n%2 == 1 {
				first, second = putOne, rawOne
			}
			a, err := first()
			if err != nil {
				return r, err
			}
			b, err := second()
			if err != nil {
				return r, err
			}
			raw, st := a, b
			if n%2 == 1 {
				raw, st = b, a
			}
			ratios = append(ratios, raw.Seconds()/st.Seconds())
			rawAll, stAll = rawAll+raw, stAll+st
			if err := os.Remove(path); err != nil {
				return r, err
			}
			n++
		}
		rounded = append(rounded, median(ratios))
	}
	slices.Sort(rounded)
	r.Ratio, r.RatioMin, r.RatioMax = median(rounded), rounded[0], rounded[len(rounded)-1]
	total := float64(n) * storePutChunk
	r.Raw, r.Store = total/rawAll.Seconds(), total/stAll.Seconds()
	return r, nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// writeSync writes data to a new file at path and fsyncs it: the bound.
func writeSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
