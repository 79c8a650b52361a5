package chunk

import (
	"errors"
	"fmt"

	"github.com/scatterbytes/scatterbytes/store"
)

var (
	// ErrBadMessage means a message on the chunk protocol could not be
	// decoded or broke the exchange (wrong operation, missing field).
	ErrBadMessage = errors.New("malformed chunk protocol message")
	// ErrBadOrder means a storage order is malformed, unsigned, badly
	// signed, or not signed by the peer that sent it.
	ErrBadOrder = errors.New("invalid storage order")
	// ErrOrderExpired means a storage order's expiry has passed.
	ErrOrderExpired = errors.New("storage order expired")
	// ErrOrderMismatch means a PUT announced a chunk or size other than
	// its order names.
	ErrOrderMismatch = errors.New("storage order does not match the request")
	// ErrTooLarge means a chunk exceeds the node's maximum chunk size.
	ErrTooLarge = errors.New("chunk larger than the node accepts")
	// ErrNotOwner means a chunk is held under another client's order: that
	// client alone may delete it, and a PUT of it by anyone else is refused.
	ErrNotOwner = errors.New("chunk held under another client's order")
	// ErrBusy means the node is already serving as many streams or bytes
	// for the peer as it allows; retry later or elsewhere.
	ErrBusy = errors.New("too many chunk requests from this peer")
	// ErrBadReceipt means a receipt is malformed or its signature does not
	// verify, or it does not acknowledge the chunk that was put.
	ErrBadReceipt = errors.New("invalid storage receipt")
	// ErrShortBody means the reader given to Put ended before the order's size.
	ErrShortBody = errors.New("chunk body shorter than its order")
	// ErrNotHolder means a PLACE came from a peer that is neither the
	// client whose order the node holds for the stripe nor a holder of
	// it the node knows of.
	ErrNotHolder = errors.New("placement from a peer that neither owns nor holds the stripe")
	// ErrRemote means the node failed for a reason it does not disclose.
	ErrRemote = errors.New("chunk node internal error")
)

// code is a response status on the wire. 0 is never sent, so an empty
// response is not mistaken for success.
type code uint64

const (
	codeOK       code = 1 // done; for GET the data follows
	codeContinue code = 2 // PUT accepted: send the body
	codeHave     code = 3 // PUT: already stored for this client, do not send the body

	codeBadMessage    code = 16
	codeBadOrder      code = 17
	codeOrderExpired  code = 18
	codeOrderMismatch code = 19
	codeTooLarge      code = 20
	codeNoSpace       code = 21
	codeNotFound      code = 22
	codeMismatch      code = 23
	codeRange         code = 24
	codeNotOwner      code = 25
	codeBusy          code = 26
	codeExists        code = 27
	codeCorrupt       code = 28
	codeBadID         code = 29
	codeNotHolder     code = 30
	codeInternal      code = 31
)

// codes is the one table between errors and wire codes, in the order
// errorToCode tries them.
var codes = []struct {
	code code
	err  error
}{
	{codeBadMessage, ErrBadMessage},
	{codeOrderExpired, ErrOrderExpired},
	{codeBadOrder, ErrBadOrder},
	{codeOrderMismatch, ErrOrderMismatch},
	{codeTooLarge, ErrTooLarge},
	{codeNotOwner, ErrNotOwner},
	{codeBusy, ErrBusy},
	{codeNoSpace, store.ErrNoSpace},
	{codeNotFound, store.ErrNotFound},
	{codeMismatch, store.ErrMismatch},
	{codeRange, store.ErrRange},
	{codeExists, store.ErrExists},
	{codeCorrupt, store.ErrCorrupt},
	{codeBadID, store.ErrBadID},
	{codeNotHolder, ErrNotHolder},
}

// errorToCode maps a service error to its wire code and the message sent
// with it. Errors the table does not know are internal: their text stays
// in the node's log, the peer gets a generic message.
func errorToCode(err error) (code, string) {
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code, err.Error()
		}
	}
	return codeInternal, ErrRemote.Error()
}

// codeToError turns a failure code and the remote's message into an error
// that matches the sentinel with errors.Is. Its Free is -1 (not stated).
func codeToError(c code, msg string) *RemoteError {
	e := &RemoteError{Code: uint64(c), Message: msg, Free: -1,
		err: fmt.Errorf("%w: unexpected status %d", ErrBadMessage, c)}
	if c == codeInternal {
		e.err = ErrRemote
	}
	for _, k := range codes {
		if k.code == c {
			e.err = k.err
		}
	}
	return e
}

// RemoteError is a refusal received from a node. It unwraps to the
// sentinel of its code (store.ErrNotFound, ErrBadOrder, ...).
type RemoteError struct {
	Code    uint64
	Message string // the node's text: for logs, not for deciding
	// Free is the room the node says it has left, or -1 if it does not
	// say. A refusal for want of room (store.ErrNoSpace) says.
	Free int64
	err  error
}

func (e *RemoteError) Error() string {
	if e.Message == "" {
		return "remote: " + e.err.Error()
	}
	return fmt.Sprintf("remote: %v (%q)", e.err, e.Message)
}

func (e *RemoteError) Unwrap() error { return e.err }
