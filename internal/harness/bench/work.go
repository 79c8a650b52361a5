package bench

import (
	"crypto/rand"
	"time"

	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/client/stream"
	"github.com/scatterbytes/scatterbytes/p2p/erasure"
	"github.com/scatterbytes/scatterbytes/store"
)

// Work is what one core spends, in seconds per GiB, on each piece of work
// the data path must do besides moving bytes: the issue asks for every one
// of them. Each is timed with the data path's own code on a whole stripe
// of 4 MiB shards, so the bytes come from memory rather than the CPU
// cache, as in the data path.
type Work struct {
	Hash   float64 // BLAKE3 chunk IDs, per GiB hashed
	Seal   float64 // AES-256-GCM STREAM sealing, per GiB of plaintext
	Open   float64 // opening, per GiB of plaintext
	Encode float64 // Reed-Solomon parity, per GiB of stripe data
}

// MeasureWork times each piece of Work for about d, for k+m coding.
func MeasureWork(k, m int, d time.Duration) (Work, error) {
	l, err := erasure.NewLayout(k, m, int64(k)*erasure.DefaultMaxShard, 0)
	if err != nil {
		return Work{}, err
	}
	coder, err := erasure.NewCoder(l)
	if err != nil {
		return Work{}, err
	}
	stripe := make([]byte, l.StripeBufferSize())
	rand.Read(stripe)
	data := stripe[:l.Size] // the stripe's data shards
	const seg, box = stream.SegmentSize, stream.SealedSegmentSize
	cipher := stream.NewCipher(keys.NewFileKey())
	out := make([]byte, 0, box)
	hash, _ := perGiB(d, int64(len(data)), func() error {
		h := store.NewHasher()
		h.Write(data)
		h.ID()
		return nil
	})
	seal, _ := perGiB(d, int64(len(data)), func() error {
		for off := 0; off < len(data); off += seg {
			out = cipher.Seal(out[:0], data[off:off+seg], int64(off/seg), false)
		}
		return nil
	})
	// Opening needs genuine sealed segments: seal the stripe in place, one
	// segment every box bytes, so that opening reads from memory too.
	boxes := stripe[:len(data)/box*box]
	for off := 0; off < len(boxes); off += box {
		cipher.Seal(boxes[off:off], boxes[off:off+seg], int64(off/box), false)
	}
	open, err := perGiB(d, int64(len(boxes)/box*seg), func() error {
		for off := 0; off < len(boxes); off += box {
			var err error
			if out, err = cipher.Open(out[:0], boxes[off:off+box], int64(off/box), false); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Work{}, err
	}
	// Parity costs the same whatever the bytes: the sealed ones will do.
	encode, err := perGiB(d, l.Size, func() error {
		_, err := coder.EncodeInPlace(0, stripe, l.Size)
		return err
	})
	if err != nil {
		return Work{}, err
	}
	return Work{Hash: hash, Seal: seal, Open: open, Encode: encode}, nil
}

// perGiB runs f, which handles n bytes, for about d and returns the
// seconds it took per GiB, or f's first error.
func perGiB(d time.Duration, n int64, f func() error) (float64, error) {
	var done int64
	start := time.Now()
	for time.Since(start) < d {
		if err := f(); err != nil {
			return 0, err
		}
		done += n
	}
	return time.Since(start).Seconds() * (1 << 30) / float64(done), nil
}
