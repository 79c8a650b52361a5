package dash

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// HistoryDir is the history's database inside a party's directory.
const HistoryDir = "dashboard"

// Defaults for a History.
const (
	// SampleEvery is how often a party samples its numbers.
	SampleEvery = time.Minute
	// Keep is how far back samples and epochs are kept.
	Keep = 30 * 24 * time.Hour
	// MaxEpochs is how many epochs back are kept.
	MaxEpochs = 10000
)

// Sample is a party's numbers at one time. Totals (In, Out) are since the
// process started: a restart starts them again, and a chart reads a drop
// as a restart, not as a negative rate.
type Sample struct {
	At       time.Time `json:"at"`
	Used     int64     `json:"used_bytes"`
	Capacity int64     `json:"capacity_bytes"`
	Chunks   int64     `json:"chunks"`
	In       int64     `json:"received_bytes"`
	Out      int64     `json:"sent_bytes"`
}

// Epoch is what a party recorded of one epoch: a storage node, the
// outcome of answering its beacon; a coordinator, the proofs it verified.
type Epoch struct {
	Epoch  uint64    `json:"epoch"`
	At     time.Time `json:"at"`
	Result string    `json:"result,omitempty"` // a node's: published, prove_failed, publish_failed
	Passed int       `json:"passed"`           // proofs (node: 1 if published)
	Missed int       `json:"missed"`
}

// History is the record of a party's past numbers (package doc). Its
// methods are safe for concurrent use.
type History struct {
	db   *leveldb.DB
	keep time.Duration
	now  func() time.Time
}

// Keys: "s" + big-endian unix nanoseconds → Sample (JSON); "e" +
// big-endian epoch → Epoch (JSON).
const (
	pfxSample = "s"
	pfxEpoch  = "e"
)

// OpenHistory opens (or makes) the history database at path.
func OpenHistory(path string) (*History, error) {
	db, err := leveldb.OpenFile(path, &opt.Options{})
	if err != nil {
		return nil, fmt.Errorf("dashboard history: %w", err)
	}
	return &History{db: db, keep: Keep, now: time.Now}, nil
}

// Close closes the database.
func (h *History) Close() error { return h.db.Close() }

func key(pfx string, v uint64) []byte { return binary.BigEndian.AppendUint64([]byte(pfx), v) }

// Add records s and prunes what is older than Keep.
func (h *History) Add(s Sample) error {
	b := new(leveldb.Batch)
	v, _ := json.Marshal(s)
	b.Put(key(pfxSample, uint64(s.At.UnixNano())), v)
	it := h.db.NewIterator(&util.Range{Start: []byte(pfxSample),
		Limit: key(pfxSample, uint64(s.At.Add(-h.keep).UnixNano()))}, nil)
	for it.Next() {
		b.Delete(append([]byte(nil), it.Key()...))
	}
	it.Release()
	return h.db.Write(b, nil)
}

// Samples returns the samples taken since t, oldest first, at most max
// (evenly thinned when there are more).
func (h *History) Samples(since time.Time, max int) ([]Sample, error) {
	start := []byte(pfxSample)
	if since.After(time.Unix(0, 0)) {
		start = key(pfxSample, uint64(since.UnixNano()))
	}
	it := h.db.NewIterator(&util.Range{Start: start, Limit: []byte("t")}, nil)
	defer it.Release()
	var out []Sample
	for it.Next() {
		var s Sample
		if json.Unmarshal(it.Value(), &s) == nil {
			out = append(out, s)
		}
	}
	if err := it.Error(); err != nil {
		return nil, err
	}
	return thin(out, max), nil
}

func thin[T any](in []T, max int) []T {
	if max <= 0 || len(in) <= max {
		return in
	}
	out := make([]T, 0, max)
	for i := range max {
		out = append(out, in[i*(len(in)-1)/(max-1)])
	}
	return out
}

// NoteEpoch records (or replaces) an epoch's outcome.
func (h *History) NoteEpoch(e Epoch) error {
	if e.At.IsZero() {
		e.At = h.now()
	}
	v, _ := json.Marshal(e)
	b := new(leveldb.Batch)
	b.Put(key(pfxEpoch, e.Epoch), v)
	if e.Epoch > MaxEpochs {
		it := h.db.NewIterator(&util.Range{Start: []byte(pfxEpoch), Limit: key(pfxEpoch, e.Epoch-MaxEpochs)}, nil)
		for it.Next() {
			b.Delete(append([]byte(nil), it.Key()...))
		}
		it.Release()
	}
	return h.db.Write(b, nil)
}

// Epochs returns the recorded epochs of the last n up to the newest
// recorded one, oldest first. An epoch in that range with no record is
// returned missed (a node that heard no beacon records nothing).
func (h *History) Epochs(n int) ([]Epoch, error) {
	it := h.db.NewIterator(util.BytesPrefix([]byte(pfxEpoch)), nil)
	defer it.Release()
	if !it.Last() {
		return nil, it.Error()
	}
	var last Epoch
	if err := json.Unmarshal(it.Value(), &last); err != nil {
		return nil, err
	}
	first := uint64(0)
	if last.Epoch+1 > uint64(n) {
		first = last.Epoch + 1 - uint64(n)
	}
	have := map[uint64]Epoch{last.Epoch: last}
	// Before the first epoch ever recorded nothing is missed: the party
	// did not exist yet.
	oldest := last.Epoch
	for it.Prev() {
		var e Epoch
		if json.Unmarshal(it.Value(), &e) != nil {
			continue
		}
		if e.Epoch < first {
			oldest = first // older records: the window is full
			break
		}
		have[e.Epoch] = e
		oldest = min(oldest, e.Epoch)
	}
	var out []Epoch
	for e := max(first, oldest); e <= last.Epoch; e++ {
		rec, ok := have[e]
		if !ok {
			rec = Epoch{Epoch: e, Result: "missed", Missed: 1}
		}
		out = append(out, rec)
	}
	return out, nil
}
