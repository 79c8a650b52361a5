package enroll

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/scatterbytes/scatterbytes/internal/wire"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
)

// MaxMessage bounds a request.
const MaxMessage = 64 << 10

// MaxResponse bounds a response: a CRL of up to cert.MaxCRLSize and room
// for the certificate and an error. Bounded by MaxMessage, a CRL of some
// 1,200 revoked peers (54 bytes each, more with their certificates'
// serials) no longer fitted, and every member's refresh and every
// enrolment failed.
const MaxResponse = cert.MaxCRLSize + MaxMessage

// ErrBadMessage means an enrolment message was malformed.
var ErrBadMessage = errors.New("malformed enrolment message")

// Request asks for a certificate (CSR set) or only the CRL.
type Request struct {
	CSR []byte
	// HaveCRL is the number of the CRL the sender holds (0: none): the
	// response leaves out a CRL numbered no higher. A member polls each
	// minute, and at 10,000 members with a CRL of 1500 revoked peers
	// (81 KB) the whole list each time would cost the coordinator 14 MB/s.
	HaveCRL uint64
}

// Response carries the certificate, the CRL, or the reason for refusal.
type Response struct {
	Cert  []byte
	CRL   []byte
	Error string
}

func (r *Request) marshal() []byte {
	var b []byte
	if len(r.CSR) > 0 {
		b = wire.AppendBytes(b, 1, r.CSR)
	}
	if r.HaveCRL > 0 {
		b = wire.AppendUint(b, 2, r.HaveCRL)
	}
	return b
}

func (r *Response) marshal() []byte {
	var b []byte
	for _, f := range []struct {
		num protowire.Number
		v   []byte
	}{{1, r.Cert}, {2, r.CRL}, {3, []byte(r.Error)}} {
		if len(f.v) > 0 {
			b = wire.AppendBytes(b, f.num, f.v)
		}
	}
	return b
}

// The schemas of enroll.proto, which TestProtoMatchesSchemas keeps in
// step with these tables.
var (
	requestSchema = wire.Message{Name: "Request", Max: MaxMessage, Fields: []wire.Field{
		{Num: 1, Name: "csr", Kind: wire.Bytes, Max: MaxMessage},
		{Num: 2, Name: "have_crl", Kind: wire.Uint64},
	}}
	responseSchema = wire.Message{Name: "Response", Max: MaxResponse, Fields: []wire.Field{
		{Num: 1, Name: "cert", Kind: wire.Bytes, Max: maxCert},
		{Num: 2, Name: "crl", Kind: wire.Bytes, Max: cert.MaxCRLSize},
		{Num: 3, Name: "error", Kind: wire.String, Max: MaxMessage},
	}}
)

// maxCert is the certificate message limit of package gate: a larger
// certificate could not be shown to peers.
const maxCert = 16 << 10

// decode walks b under package wire's policy; values alias b.
func decode(m *wire.Message, b []byte, set func(protowire.Number, wire.Value)) error {
	err := m.Decode(b, func(f *wire.Field, v wire.Value) error {
		set(f.Num, v)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadMessage, err)
	}
	return nil
}

func (r *Request) unmarshal(b []byte) error {
	*r = Request{}
	return decode(&requestSchema, b, func(num protowire.Number, v wire.Value) {
		switch num {
		case 1:
			r.CSR = v.Bytes()
		case 2:
			r.HaveCRL = v.Uint()
		}
	})
}

func (r *Response) unmarshal(b []byte) error {
	*r = Response{}
	return decode(&responseSchema, b, func(num protowire.Number, v wire.Value) {
		switch num {
		case 1:
			r.Cert = v.Bytes()
		case 2:
			r.CRL = v.Bytes()
		case 3:
			r.Error = v.String()
		}
	})
}
