package chunk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-msgio"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/scatterbytes/scatterbytes/internal/wire"
	"github.com/scatterbytes/scatterbytes/store"
)

// MaxMessage is the hard limit on a request or response header. Orders and
// receipts are a few hundred bytes; the rest is headroom.
const MaxMessage = 64 << 10

// maxText bounds the human-readable message of a response.
const maxText = 1 << 10

// op is a request's operation.
type op uint64

const (
	opPut    op = 1
	opGet    op = 2
	opHas    op = 3
	opDelete op = 4
	opSpace  op = 5
	// opPlace and opPlacement carry stripe placement records (package
	// p2p/placement; serve_place.go).
	opPlace     op = 6
	opPlacement op = 7
)

func (o op) String() string {
	switch o {
	case opPut:
		return "PUT"
	case opGet:
		return "GET"
	case opHas:
		return "HAS"
	case opDelete:
		return "DELETE"
	case opSpace:
		return "SPACE"
	case opPlace:
		return "PLACE"
	case opPlacement:
		return "PLACEMENT"
	}
	return fmt.Sprintf("op(%d)", uint64(o))
}

// request opens every exchange.
type request struct {
	Op     op
	Chunk  cid.Cid
	Size   int64  // PUT: the body's size
	Order  []byte // PUT: the encoded, signed order
	Offset int64  // GET
	Length int64  // GET: bytes from Offset; -1 means to the end
	Place  []byte // PLACE: an encoded placement record
}

// Request field numbers. Length travels as length+1 so that 0 can mean
// "to the end" and the zero request asks for the whole chunk.
const (
	reqOp     = 1
	reqChunk  = 2
	reqSize   = 3
	reqOrder  = 4
	reqOffset = 5
	reqLength = 6
	reqPlace  = 7
)

func (r *request) marshal() []byte {
	b := wire.AppendUint(nil, reqOp, uint64(r.Op))
	b = wire.AppendBytes(b, reqChunk, cidBytes(r.Chunk))
	switch r.Op {
	case opPut:
		b = wire.AppendUint(b, reqSize, uint64(max(r.Size, 0)))
		b = wire.AppendBytes(b, reqOrder, r.Order)
	case opGet:
		b = wire.AppendUint(b, reqOffset, uint64(max(r.Offset, 0)))
		b = wire.AppendUint(b, reqLength, uint64(max(r.Length+1, 0)))
	case opPlace:
		b = wire.AppendBytes(b, reqPlace, r.Place)
	}
	return b
}

func unmarshalRequest(b []byte) (request, error) {
	r := request{Length: -1}
	err := requestSchema.Decode(b, func(f *wire.Field, v wire.Value) (err error) {
		switch f.Num {
		case reqOp:
			r.Op = op(v.Uint())
		case reqChunk:
			r.Chunk, err = decodeCID(v)
		case reqSize:
			r.Size = v.Int()
		case reqOrder:
			r.Order = decodeBytes(v)
		case reqOffset:
			r.Offset = v.Int()
		case reqLength:
			r.Length = v.Int() - 1
		case reqPlace:
			r.Place = decodeBytes(v)
		}
		return err
	})
	if err != nil {
		return request{}, malformed("request", err)
	}
	if r.Op < opPut || r.Op > opPlacement {
		return request{}, fmt.Errorf("decode request: %w: unknown operation %d", ErrBadMessage, r.Op)
	}
	return r, nil
}

// response answers a request (PUT gets one or two).
type response struct {
	Status  code
	Message string
	Size    int64  // GET, HAS: the chunk's size
	Length  int64  // GET: the bytes that follow the header
	Receipt []byte // PUT: the encoded receipt
	Order   []byte // PUT with codeHave: the order the node holds
	// Free is the node's free bytes plus one, as on the wire, so that the
	// zero response states nothing: 0 means not stated (a store without a
	// limit, or a node that predates the field). SPACE and PUT's final
	// responses, a no-space refusal included, carry it.
	Free     int64
	Capacity int64  // SPACE: the store's limit; 0: none
	Place    []byte // PLACE, PLACEMENT: the stripe's record the node keeps
}

// Response field numbers.
const (
	respStatus  = 1
	respMessage = 2
	respSize    = 3
	respLength  = 4
	respReceipt = 5
	respOrder   = 6
	respFree    = 7
	respCap     = 8
	respPlace   = 9
)

func (r *response) marshal() []byte {
	b := wire.AppendUint(nil, respStatus, uint64(r.Status))
	if r.Message != "" {
		msg := r.Message
		if len(msg) > maxText {
			msg = msg[:maxText]
		}
		b = wire.AppendBytes(b, respMessage, []byte(msg))
	}
	if r.Size != 0 {
		b = wire.AppendUint(b, respSize, uint64(r.Size))
	}
	if r.Length != 0 {
		b = wire.AppendUint(b, respLength, uint64(r.Length))
	}
	if r.Receipt != nil {
		b = wire.AppendBytes(b, respReceipt, r.Receipt)
	}
	if r.Order != nil {
		b = wire.AppendBytes(b, respOrder, r.Order)
	}
	if r.Free != 0 {
		b = wire.AppendUint(b, respFree, uint64(r.Free))
	}
	if r.Capacity != 0 {
		b = wire.AppendUint(b, respCap, uint64(r.Capacity))
	}
	if r.Place != nil {
		b = wire.AppendBytes(b, respPlace, r.Place)
	}
	return b
}

// free returns the free bytes the response states, or -1 if it states none.
func (r *response) free() int64 { return r.Free - 1 }

// stateFree sets r.Free from u; a store without a limit states nothing.
func (r *response) stateFree(u store.Usage) {
	if f := u.Free(); f >= 0 {
		r.Free = min(f, maxInt-1) + 1
	}
}

func unmarshalResponse(b []byte) (response, error) {
	var r response
	err := responseSchema.Decode(b, func(f *wire.Field, v wire.Value) error {
		switch f.Num {
		case respStatus:
			r.Status = code(v.Uint())
		case respMessage:
			r.Message = v.String()
		case respSize:
			r.Size = v.Int()
		case respLength:
			r.Length = v.Int()
		case respReceipt:
			r.Receipt = decodeBytes(v)
		case respOrder:
			r.Order = decodeBytes(v)
		case respFree:
			r.Free = v.Int()
		case respCap:
			r.Capacity = v.Int()
		case respPlace:
			r.Place = decodeBytes(v)
		}
		return nil
	})
	if err != nil {
		return response{}, malformed("response", err)
	}
	if r.Status == 0 {
		return response{}, fmt.Errorf("decode response: %w: no status", ErrBadMessage)
	}
	return r, nil
}

// writeMsg writes msg with its uvarint length prefix in one Write.
func writeMsg(w io.Writer, msg []byte) error {
	if len(msg) > MaxMessage {
		return fmt.Errorf("%w: %d-byte message, at most %d", ErrBadMessage, len(msg), MaxMessage)
	}
	b := make([]byte, 0, binary.MaxVarintLen64+len(msg))
	b = protowire.AppendVarint(b, uint64(len(msg)))
	_, err := w.Write(append(b, msg...))
	return err
}

// readMsg reads one length-prefixed message of at most MaxMessage bytes
// and nothing more: the raw bytes after it stay in r. It never closes r
// (a msgio reader's Close would close the stream).
func readMsg(r io.Reader) ([]byte, error) {
	mr := msgio.NewVarintReaderSize(r, MaxMessage)
	msg, err := mr.ReadMsg()
	if errors.Is(err, msgio.ErrMsgTooLarge) {
		return nil, fmt.Errorf("%w: header over %d bytes", ErrBadMessage, MaxMessage)
	}
	if err != nil {
		return nil, err
	}
	out := append([]byte(nil), msg...)
	mr.ReleaseMsg(msg)
	return out, nil
}

func writeRequest(w io.Writer, r *request) error   { return writeMsg(w, r.marshal()) }
func writeResponse(w io.Writer, r *response) error { return writeMsg(w, r.marshal()) }

func readRequest(r io.Reader) (request, error) {
	b, err := readMsg(r)
	if err != nil {
		return request{}, err
	}
	return unmarshalRequest(b)
}

func readResponse(r io.Reader) (response, error) {
	b, err := readMsg(r)
	if err != nil {
		return response{}, err
	}
	return unmarshalResponse(b)
}
