package coordinator

import "github.com/ipfs/go-cid"

// spotTarget is a slice a node proved in an epoch's proof, kept so that a
// spot check can fetch it again directly from the node: the bytes are
// known, so the answer is checked without a proof.
type spotTarget struct {
	Chunk  cid.Cid `json:"chunk"`
	Offset int64   `json:"offset"`
	Bytes  []byte  `json:"bytes"`
}
