package enroll

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// MaxMessage bounds a request or response.
const MaxMessage = 64 << 10

// ErrBadMessage means an enrolment message was malformed.
var ErrBadMessage = errors.New("malformed enrolment message")

// Request asks for a certificate (CSR set) or only the CRL.
type Request struct {
	CSR []byte
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
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, r.CSR)
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
			b = protowire.AppendTag(b, f.num, protowire.BytesType)
			b = protowire.AppendBytes(b, f.v)
		}
	}
	return b
}

// unmarshalFields walks b and hands every length-delimited field to set;
// other wire types are skipped. set returns false for an unknown field.
func unmarshalFields(b []byte, set func(protowire.Number, []byte)) error {
	if len(b) > MaxMessage {
		return fmt.Errorf("%w: %d bytes", ErrBadMessage, len(b))
	}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: %v", ErrBadMessage, protowire.ParseError(n))
		}
		b = b[n:]
		if typ == protowire.BytesType {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return fmt.Errorf("%w: %v", ErrBadMessage, protowire.ParseError(n))
			}
			set(num, v)
			b = b[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return fmt.Errorf("%w: %v", ErrBadMessage, protowire.ParseError(n))
		}
		b = b[n:]
	}
	return nil
}

func (r *Request) unmarshal(b []byte) error {
	*r = Request{}
	return unmarshalFields(b, func(num protowire.Number, v []byte) {
		if num == 1 {
			r.CSR = v
		}
	})
}

func (r *Response) unmarshal(b []byte) error {
	*r = Response{}
	return unmarshalFields(b, func(num protowire.Number, v []byte) {
		switch num {
		case 1:
			r.Cert = v
		case 2:
			r.CRL = v
		case 3:
			r.Error = string(v)
		}
	})
}
