package chunk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/placement"
	"github.com/scatterbytes/scatterbytes/store"
)

// Defaults for Config.
const (
	// DefaultMaxChunk is a 4 MiB shard plus slack for the erasure coder's
	// padding and framing.
	DefaultMaxChunk = 4<<20 + 64<<10
	// DefaultMaxStreamsPerPeer is how many chunk streams one peer may have
	// served at once.
	DefaultMaxStreamsPerPeer = 8
	// DefaultTimeout bounds one whole exchange: 4 MiB at 64 KiB/s fits.
	DefaultTimeout = 2 * time.Minute
	// DefaultMinRate is the slowest a PUT body may arrive: 16 KiB/s, a
	// quarter of the rate DefaultTimeout allows for, so an honest peer on
	// a poor line is cut by the Timeout, not by this; a peer trickling
	// bytes is cut after DefaultRateSlack.
	DefaultMinRate = 16 << 10
	// DefaultRateSlack is how far ahead of the minimum rate a body starts:
	// time for the first window of bytes to arrive.
	DefaultRateSlack = 10 * time.Second
)

// Config configures a Service.
type Config struct {
	// Store holds the chunks. Required.
	Store store.Store
	// Key is the node's identity key; it signs receipts. Required.
	Key identity.Key
	// MaxChunk is the largest chunk a PUT may carry.
	MaxChunk int64
	// MaxStreamsPerPeer bounds the streams one peer has served at once;
	// more are answered ErrBusy.
	MaxStreamsPerPeer int
	// MaxBytesPerPeer bounds the PUT bytes one peer has in flight at once
	// (the sum of the sizes of its PUTs being received); default
	// MaxStreamsPerPeer/2 × MaxChunk.
	MaxBytesPerPeer int64
	// Timeout bounds one exchange, body included; a slower peer's stream
	// is cut.
	Timeout time.Duration
	// MinRate (bytes a second) and RateSlack pace a PUT body: its first n
	// bytes must be in by RateSlack + n/MinRate after the go-ahead, or the
	// stream is cut and everything the PUT held is freed.
	MinRate   int64
	RateSlack time.Duration
	// Logger receives refusals (debug) and failures (warn); nil discards.
	Logger *slog.Logger
	// Now is the clock for order expiry and receipts; nil means time.Now.
	Now func() time.Time
	// OnStored, if set, is called after a chunk is newly stored (the
	// storage node announces it in the DHT). It must not block.
	OnStored func(id cid.Cid)
	// OnServed, if set, is told each request read, when it ends: its
	// operation ("put", "get", "has", "delete", "space"; "unknown" for a
	// request that did not decode) and result ("ok", "aborted", or the
	// refusal's code name: see Result). For metrics; it must not block.
	OnServed func(op, result string)
	// Auditor, if set, is the peer whose GETs read AuditStore instead of
	// Store: the coordinator spot-checks slices of the chunks a node's
	// last proof sampled, and an owner may have deleted one since. The
	// node keeps such a chunk's bytes, hidden from everyone else, until
	// no spot check can name it (package proof, "Deletes").
	Auditor    peer.ID
	AuditStore store.Store
	// Placements, if set, keeps the placement records of the stripes the
	// node holds members of, which PLACE writes and PLACEMENT reads
	// (serve_place.go); without it both are refused as not found.
	Placements Placements
}

// Placements keeps stripe placement records; placement.Book is one.
type Placements interface {
	Get(ctx context.Context, k placement.Key) (placement.Record, bool, error)
	Merge(ctx context.Context, r placement.Record) (placement.Record, error)
}

// DefaultConfig returns a config serving st and signing with key.
func DefaultConfig(st store.Store, key identity.Key) Config {
	return Config{
		Store:             st,
		Key:               key,
		MaxChunk:          DefaultMaxChunk,
		MaxStreamsPerPeer: DefaultMaxStreamsPerPeer,
		MaxBytesPerPeer:   DefaultMaxStreamsPerPeer / 2 * DefaultMaxChunk,
		Timeout:           DefaultTimeout,
		MinRate:           DefaultMinRate,
		RateSlack:         DefaultRateSlack,
	}
}

// Validate reports the first problem with c. Zero limits are fine: they
// take the defaults.
func (c *Config) Validate() error {
	switch {
	case c.Store == nil:
		return errors.New("chunk service: no store")
	case c.Key.IsZero():
		return errors.New("chunk service: no key")
	case c.MaxChunk < 0 || c.MaxStreamsPerPeer < 0 || c.MaxBytesPerPeer < 0 || c.Timeout < 0 || c.MinRate < 0 || c.RateSlack < 0:
		return fmt.Errorf("chunk service: negative limit")
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.MaxChunk == 0 {
		c.MaxChunk = DefaultMaxChunk
	}
	if c.MaxStreamsPerPeer == 0 {
		c.MaxStreamsPerPeer = DefaultMaxStreamsPerPeer
	}
	if c.MaxBytesPerPeer == 0 {
		c.MaxBytesPerPeer = int64(max(c.MaxStreamsPerPeer/2, 1)) * c.MaxChunk
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MinRate == 0 {
		c.MinRate = DefaultMinRate
	}
	if c.RateSlack == 0 {
		c.RateSlack = DefaultRateSlack
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}
