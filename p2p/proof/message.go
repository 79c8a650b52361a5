package proof

import (
	"encoding/binary"
	"fmt"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/wire"
)

// proofDomain prefixes the bytes a proof signature covers.
const proofDomain = "scatterbytes proof v1\x00"

// Proof is a node's answer to the beacon of one epoch. See doc.go.
type Proof struct {
	Network  string
	Epoch    uint64
	Node     peer.ID
	NodeCert []byte // the node's membership certificate, DER
	Beacon   []byte // the beacon of Epoch, encoded as the coordinator signed it
	// Committed is the commitment the beacon challenges, published in
	// the node's proof of Epoch-1; nil in a node's first proof, which
	// proves nothing and only publishes Next.
	Committed   *Commitment
	Samples     []Sample
	Next        Commitment // the commitment for Epoch+1
	ClientCerts [][]byte   // certificates of the sampled orders' clients, DER, once each
	Signature   []byte     // the node's, over proofDomain and fields 1-9
}

// Sample answers one index the beacon derived.
type Sample struct {
	Index     uint64
	Chunk     cid.Cid
	Size      uint64
	OrderHash [32]byte
	Order     []byte // the encoded chunk.Order; nil if the node lost the chunk
	Path      []PathNode
	Slice     []byte // store.ProveSlice of the derived byte; nil if lost or empty
	Tail      []byte // store.ProveSlice of the last byte; nil if lost or empty
}

// PathNode is a sibling on an inclusion path.
type PathNode struct {
	Hash  [32]byte
	Bytes uint64
}

func (s *Sample) marshal(b []byte) []byte {
	b = wire.AppendUint(b, sampleIndex, s.Index)
	b = wire.AppendBytes(b, sampleChunk, s.Chunk.Bytes())
	b = wire.AppendUint(b, sampleSize, s.Size)
	b = wire.AppendBytes(b, sampleOrderHash, s.OrderHash[:])
	if s.Order != nil {
		b = wire.AppendBytes(b, sampleOrder, s.Order)
	}
	for _, p := range s.Path {
		var n [PathNodeSize]byte
		copy(n[:], p.Hash[:])
		binary.BigEndian.PutUint64(n[HashSize:], p.Bytes)
		b = wire.AppendBytes(b, samplePath, n[:])
	}
	if s.Slice != nil {
		b = wire.AppendBytes(b, sampleSlice, s.Slice)
	}
	if s.Tail != nil {
		b = wire.AppendBytes(b, sampleTail, s.Tail)
	}
	return b
}

func (p *Proof) appendUnsigned(b []byte) []byte {
	b = wire.AppendString(b, proofNetwork, p.Network)
	b = wire.AppendUint(b, proofEpoch, p.Epoch)
	b = wire.AppendBytes(b, proofNode, []byte(p.Node))
	b = wire.AppendBytes(b, proofNodeCert, p.NodeCert)
	b = wire.AppendBytes(b, proofBeacon, p.Beacon)
	if p.Committed != nil {
		b = wire.AppendBytes(b, proofCommitted, p.Committed.Marshal())
	}
	var sb []byte
	for i := range p.Samples {
		sb = p.Samples[i].marshal(sb[:0])
		b = wire.AppendBytes(b, proofSamples, sb)
	}
	b = wire.AppendBytes(b, proofNext, p.Next.Marshal())
	for _, c := range p.ClientCerts {
		b = wire.AppendBytes(b, proofClientCerts, c)
	}
	return b
}

func (p *Proof) signedBytes() []byte { return p.appendUnsigned([]byte(proofDomain)) }

// Marshal returns the canonical encoding of p, signature included.
func (p *Proof) Marshal() []byte {
	return wire.AppendBytes(p.appendUnsigned(nil), proofSignature, p.Signature)
}

// Unmarshal decodes a proof. It checks the encoding only; Verify checks
// the proof.
func Unmarshal(data []byte) (*Proof, error) {
	var p Proof
	err := proofSchema.Decode(data, func(f *wire.Field, v wire.Value) (err error) {
		switch f.Num {
		case proofNetwork:
			p.Network = v.String()
		case proofEpoch:
			p.Epoch = v.Uint()
		case proofNode:
			p.Node, err = decodePeer(v)
		case proofNodeCert:
			p.NodeCert = decodeBytes(v)
		case proofBeacon:
			p.Beacon = decodeBytes(v)
		case proofCommitted:
			p.Committed, err = UnmarshalCommitment(v.Bytes())
		case proofSamples:
			var s Sample
			s, err = unmarshalSample(v.Bytes())
			p.Samples = append(p.Samples, s)
		case proofNext:
			var c *Commitment
			if c, err = UnmarshalCommitment(v.Bytes()); err == nil {
				p.Next = *c
			}
		case proofClientCerts:
			p.ClientCerts = append(p.ClientCerts, decodeBytes(v))
		case proofSignature:
			p.Signature = decodeBytes(v)
		}
		return err
	})
	if err != nil {
		return nil, malformed("proof", err)
	}
	return &p, nil
}

func unmarshalSample(b []byte) (Sample, error) {
	var s Sample
	err := sampleSchema.Decode(b, func(f *wire.Field, v wire.Value) (err error) {
		switch f.Num {
		case sampleIndex:
			s.Index = v.Uint()
		case sampleChunk:
			s.Chunk, err = decodeCID(v)
		case sampleSize:
			s.Size = v.Uint()
		case sampleOrderHash:
			s.OrderHash = decodeHash(v)
		case sampleOrder:
			s.Order = decodeBytes(v)
		case samplePath:
			var n PathNode
			copy(n.Hash[:], v.Bytes())
			n.Bytes = binary.BigEndian.Uint64(v.Bytes()[HashSize:])
			s.Path = append(s.Path, n)
		case sampleSlice:
			s.Slice = decodeBytes(v)
		case sampleTail:
			s.Tail = decodeBytes(v)
		}
		return err
	})
	if err != nil {
		return Sample{}, fmt.Errorf("sample: %w", err)
	}
	return s, nil
}
