package manifest

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/client/stream"
	"github.com/scatterbytes/scatterbytes/p2p/erasure"
	"github.com/scatterbytes/scatterbytes/store"
)

// Limits; see doc.go.
const (
	Version         = 1
	MaxChunkSize    = 4 << 20
	MaxNameLen      = 4096
	MaxContentType  = 256
	MaxHolders      = 16
	MaxHolderLen    = 128
	MaxStripes      = 1 << 24
	MaxData         = 1 << 20
	maxStripeShards = erasure.MaxShards
)

// Manifest describes one stored file.
type Manifest struct {
	Name        string
	Size        int64 // plaintext bytes
	Compressed  bool  // zstd before sealing: ranges decrypt from the start
	SegmentSize int   // stream.SegmentSize
	CipherSize  int64 // sealed stream bytes
	K, M        int
	ShardSize   int64
	Stripes     []Stripe
	Created     time.Time // kept to the millisecond; zero if unknown
	ContentType string
	// Data, when not empty, is the whole sealed stream (CipherSize
	// bytes), stored in the manifest itself: a small file needs no
	// stripes, and Stripes is empty. The layout fields still describe
	// the stripes the file would have.
	Data []byte
}

// Inline reports whether the file's sealed stream is in the manifest
// (Data) rather than in stripes.
func (m *Manifest) Inline() bool { return len(m.Data) > 0 }

// Stripe lists a stripe's K+M shards in shard order.
type Stripe struct{ Shards []Shard }

// Shard is one stored chunk and the peers last known to hold it.
type Shard struct {
	ID      cid.Cid
	Holders [][]byte // peer IDs in binary form
}

// Layout returns the erasure layout of the sealed stream.
func (m *Manifest) Layout() erasure.Layout {
	return erasure.Layout{K: m.K, M: m.M, ShardSize: m.ShardSize, Size: m.CipherSize}
}

// Validate checks the manifest against the rules and limits of doc.go.
// Errors wrap ErrBadManifest.
func (m *Manifest) Validate() error {
	if err := m.validateHeader(); err != nil {
		return err
	}
	if m.Inline() {
		if len(m.Stripes) > 0 {
			return bad("both data and %d stripes", len(m.Stripes))
		}
		return nil
	}
	if len(m.Stripes) != m.Layout().Stripes() {
		return bad("%d stripes, layout has %d", len(m.Stripes), m.Layout().Stripes())
	}
	for i := range m.Stripes {
		if err := validateStripe(&m.Stripes[i], m.K+m.M); err != nil {
			return within(err, "stripe %d", i)
		}
	}
	return nil
}

// validateHeader checks everything but the stripes.
func (m *Manifest) validateHeader() error {
	switch {
	case len(m.Name) > MaxNameLen:
		return bad("name of %d bytes", len(m.Name))
	case !utf8.ValidString(m.Name):
		return bad("name is not UTF-8")
	case len(m.ContentType) > MaxContentType:
		return bad("content type of %d bytes", len(m.ContentType))
	case !utf8.ValidString(m.ContentType):
		return bad("content type is not UTF-8")
	case m.Size < 0:
		return bad("negative size")
	case m.SegmentSize != stream.SegmentSize:
		return bad("segment size %d, want %d", m.SegmentSize, stream.SegmentSize)
	case !m.Compressed && m.CipherSize != stream.SealedSize(m.Size):
		return bad("cipher size %d does not fit plaintext size %d", m.CipherSize, m.Size)
	}
	if m.Compressed {
		if _, err := stream.PlainSize(m.CipherSize); err != nil {
			return bad("cipher size %d: %v", m.CipherSize, err)
		}
	}
	l := m.Layout()
	if err := l.Validate(); err != nil {
		return bad("%v", err)
	}
	if n := l.Stripes(); n > MaxStripes {
		return bad("%d stripes", n)
	}
	if m.Inline() && int64(len(m.Data)) != m.CipherSize {
		return bad("%d bytes of data for cipher size %d", len(m.Data), m.CipherSize)
	}
	return nil
}

func validateStripe(s *Stripe, shards int) error {
	if len(s.Shards) != shards {
		return bad("%d shards, want %d", len(s.Shards), shards)
	}
	for j, sh := range s.Shards {
		if err := store.CheckID(sh.ID); err != nil {
			return bad("shard %d: %v", j, err)
		}
		if len(sh.Holders) > MaxHolders {
			return bad("shard %d: %d holders", j, len(sh.Holders))
		}
		for _, h := range sh.Holders {
			if len(h) == 0 || len(h) > MaxHolderLen {
				return bad("shard %d: holder ID of %d bytes", j, len(h))
			}
		}
	}
	return nil
}

// badError is an ErrBadManifest with the path to the fault, e.g.
// "bad manifest: stripe 3: shard 2: id: …".
type badError struct{ msg string }

func (e *badError) Error() string { return ErrBadManifest.Error() + ": " + e.msg }
func (e *badError) Unwrap() error { return ErrBadManifest }

func bad(format string, args ...any) error {
	return &badError{msg: fmt.Sprintf(format, args...)}
}

// within puts where in front of the path of a badError.
func within(err error, format string, args ...any) error {
	if b, ok := err.(*badError); ok {
		return &badError{msg: fmt.Sprintf(format, args...) + ": " + b.msg}
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
