package chunk

import (
	"context"
	"errors"
	"strings"
)

// codeNames names the refusal codes as metric labels.
var codeNames = map[code]string{
	codeBadMessage: "bad_message", codeBadOrder: "bad_order", codeOrderExpired: "order_expired",
	codeOrderMismatch: "order_mismatch", codeTooLarge: "too_large", codeNoSpace: "no_space",
	codeNotFound: "not_found", codeMismatch: "mismatch", codeRange: "range", codeNotOwner: "not_owner",
	codeBusy: "busy", codeExists: "exists", codeCorrupt: "corrupt", codeBadID: "bad_id", codeNotHolder: "not_holder",
	codeInternal: "internal",
}

// Result names the outcome of serving a request with error err: "ok",
// "aborted" (the exchange broke or was cancelled) or the name of the code
// it was refused with ("not_found", "no_space", "busy", ...).
func Result(ctx context.Context, err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, errAborted) || ctx.Err() != nil:
		return "aborted"
	}
	c, _ := errorToCode(err)
	return codeNames[c]
}

// served tells Config.OnServed how a request ended. A stream refused
// before its request was read (ErrBusy) counts under its op "unknown".
func (s *Service) served(ctx context.Context, req request, err error) {
	if s.cfg.OnServed == nil {
		return
	}
	op := "unknown"
	if req.Op >= opPut && req.Op <= opPlacement {
		op = strings.ToLower(req.Op.String())
	}
	s.cfg.OnServed(op, Result(ctx, err))
}
