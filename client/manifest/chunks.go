package manifest

import (
	"bytes"
	"context"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/client/stream"
	"github.com/scatterbytes/scatterbytes/store"
)

// chunkKeyContext derives the key of each manifest chunk; see doc.go.
const chunkKeyContext = "scatterbytes manifest chunk v1"

// Chunk is one sealed manifest chunk, ready to store under ID.
type Chunk struct {
	ID   cid.Cid
	Data []byte
}

// Fetcher gets a chunk's bytes by ID. Implementations need not verify
// them: Open checks every chunk against its ID.
type Fetcher interface {
	Fetch(ctx context.Context, id cid.Cid) ([]byte, error)
}

// FetcherFunc adapts a function to Fetcher.
type FetcherFunc func(ctx context.Context, id cid.Cid) ([]byte, error)

// Fetch calls f.
func (f FetcherFunc) Fetch(ctx context.Context, id cid.Cid) ([]byte, error) { return f(ctx, id) }

// Seal validates m, encodes it, splits it into chunks if it must, and
// seals them under key. It returns the file's reference and the chunks to
// store, root first; all must be stored for the reference to work.
func Seal(m *Manifest, key keys.FileKey) (Ref, []Chunk, error) {
	return seal(m, key, MaxChunkSize)
}

// seal is Seal with the chunk size limit as a parameter, for tests.
func seal(m *Manifest, key keys.FileKey, limit int) (Ref, []Chunk, error) {
	if err := m.Validate(); err != nil {
		return Ref{}, nil, err
	}
	room := maxPlain(limit)
	if root := encodeRoot(m, nil); len(root) <= room {
		c := sealChunk(key, 0, root)
		return Ref{Manifest: c.ID, Key: key}, []Chunk{c}, nil
	}
	chunks := []Chunk{{}} // the root goes first once the lists are known
	var ids []cid.Cid
	flush := func(first, end int) {
		c := sealChunk(key, len(chunks), encodeList(first, m.Stripes[first:end]))
		chunks, ids = append(chunks, c), append(ids, c.ID)
	}
	first, size := 0, len(encodeList(0, nil))
	for i := range m.Stripes {
		add := encodedStripeSize(&m.Stripes[i])
		if size+add > room && i > first {
			flush(first, i)
			first, size = i, len(encodeList(i, nil))
		}
		if size+add > room {
			return Ref{}, nil, fmt.Errorf("%w: stripe %d alone needs %d bytes", ErrTooLarge, i, add)
		}
		size += add
	}
	flush(first, len(m.Stripes))
	root := encodeRoot(m, ids)
	if len(root) > room {
		return Ref{}, nil, fmt.Errorf("%w: root listing %d stripe lists needs %d bytes", ErrTooLarge, len(ids), len(root))
	}
	chunks[0] = sealChunk(key, 0, root)
	return Ref{Manifest: chunks[0].ID, Key: key}, chunks, nil
}

// maxPlain is the largest plaintext that seals to at most limit bytes.
func maxPlain(limit int) int {
	p := limit - stream.Overhead*int(stream.Segments(int64(limit)))
	for stream.SealedSize(int64(p)) > int64(limit) {
		p--
	}
	return p
}

func chunkKey(key keys.FileKey, j int) keys.FileKey {
	return key.DeriveWith(chunkKeyContext, chunkIndex(j))
}

func sealChunk(key keys.FileKey, j int, plain []byte) Chunk {
	var buf bytes.Buffer
	buf.Grow(int(stream.SealedSize(int64(len(plain)))))
	w := stream.NewWriter(&buf, chunkKey(key, j))
	w.Write(plain) // a bytes.Buffer does not fail
	w.Close()
	return Chunk{ID: store.Sum(buf.Bytes()), Data: buf.Bytes()}
}

// openChunk checks data against id and opens it as chunk j.
func openChunk(key keys.FileKey, j int, id cid.Cid, data []byte) ([]byte, error) {
	if len(data) > MaxChunkSize {
		return nil, bad("chunk %s has %d bytes", id, len(data))
	}
	if !store.Sum(data).Equals(id) {
		return nil, bad("chunk %s: bytes do not match the ID", id)
	}
	n, err := stream.PlainSize(int64(len(data)))
	if err != nil {
		return nil, bad("chunk %s: %v", id, err)
	}
	plain, err := stream.NewCipher(chunkKey(key, j)).OpenRange(n, 0, n, data)
	if err != nil {
		return nil, bad("chunk %s does not open with this key (wrong key or not chunk %d of a manifest): %v", id, j, err)
	}
	return plain, nil
}

// Open fetches, checks and decrypts the manifest ref names. Errors from f
// are returned wrapped; everything wrong with the chunks themselves wraps
// ErrBadManifest.
func Open(ctx context.Context, f Fetcher, ref Ref) (*Manifest, error) {
	m, _, err := OpenChunks(ctx, f, ref)
	return m, err
}

// OpenChunks is Open that also returns the IDs of the manifest's chunks
// other than its root (its stripe lists, when it has any): what deleting
// the file must delete besides the root and the shards.
func OpenChunks(ctx context.Context, f Fetcher, ref Ref) (*Manifest, []cid.Cid, error) {
	if err := store.CheckID(ref.Manifest); err != nil {
		return nil, nil, fmt.Errorf("open manifest: %w", err)
	}
	fetch := func(j int, id cid.Cid) ([]byte, error) {
		data, err := f.Fetch(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("open manifest %s: fetch chunk %d (%s): %w", ref.Manifest, j, id, err)
		}
		return openChunk(ref.Key, j, id, data)
	}
	plain, err := fetch(0, ref.Manifest)
	if err != nil {
		return nil, nil, err
	}
	m, lists, err := decodeRoot(plain)
	if err != nil || len(lists) == 0 {
		return m, nil, err
	}
	total := m.Layout().Stripes()
	m.Stripes = make([]Stripe, 0, min(total, 1<<16))
	for i, id := range lists {
		plain, err := fetch(i+1, id)
		if err != nil {
			return nil, nil, err
		}
		first, stripes, err := decodeList(plain, m.K+m.M, total-len(m.Stripes))
		if err != nil {
			return nil, nil, within(err, "stripe list %d", i)
		}
		if first != len(m.Stripes) || len(stripes) == 0 {
			return nil, nil, bad("stripe list %d starts at stripe %d with %d stripes, want a start at %d", i, first, len(stripes), len(m.Stripes))
		}
		m.Stripes = append(m.Stripes, stripes...)
	}
	if len(m.Stripes) != total {
		return nil, nil, bad("stripe lists hold %d stripes, layout has %d", len(m.Stripes), total)
	}
	return m, lists, nil
}
