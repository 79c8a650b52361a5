package wire

import (
	"errors"
	"fmt"
)

// ErrMalformed matches every error Decode returns.
var ErrMalformed = errors.New("malformed message")

// Error is a decoding failure: which message and field, and why.
type Error struct {
	Message string // the schema's name, e.g. "Order"
	Field   string // the field's name; empty for the message as a whole
	Reason  string // what the policy refused; empty when Err says it
	Err     error  // the caller's error, or nil
}

func (e *Error) Error() string {
	where := e.Message
	if e.Field != "" {
		where += "." + e.Field
	}
	switch {
	case e.Err == nil:
		return where + ": " + e.Reason
	case e.Reason == "":
		return where + ": " + e.Err.Error()
	}
	return fmt.Sprintf("%s: %s: %v", where, e.Reason, e.Err)
}

// Unwrap gives ErrMalformed and the caller's error, if any.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrMalformed}
	}
	return []error{ErrMalformed, e.Err}
}

func (m *Message) errorf(f *Field, format string, args ...any) *Error {
	e := &Error{Message: m.Name, Reason: fmt.Sprintf(format, args...)}
	if f != nil {
		e.Field = f.Name
	}
	return e
}
