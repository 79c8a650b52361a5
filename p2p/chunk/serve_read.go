package chunk

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/store"
)

// get sends the header with the exact length, then the bytes raw. A whole
// chunk is hashed on the way out and its last byte held back until the
// hash is known: if the bytes are not the chunk, the stream is reset
// before the peer has them all and the chunk is quarantined. A range is
// sent unchecked (see the package doc).
func (s *Service) get(ctx context.Context, str network.Stream, remote peer.ID, req *request) error {
	st := s.cfg.Store
	if s.cfg.AuditStore != nil && s.cfg.Auditor != "" && remote == s.cfg.Auditor {
		st = s.cfg.AuditStore
	}
	if err := store.CheckID(req.Chunk); err != nil {
		return err
	}
	info, err := st.Stat(ctx, req.Chunk)
	if err != nil {
		return err
	}
	off, n, err := store.Span(info.Size, req.Offset, req.Length)
	if err != nil {
		return err
	}
	rc, err := st.Get(ctx, req.Chunk, off, n)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := writeResponse(str, &response{Status: codeOK, Size: info.Size, Length: n}); err != nil {
		return fmt.Errorf("%w: %v", errAborted, err)
	}
	var w io.Writer = str
	if off == 0 && n == info.Size {
		w = newVerifyingWriter(str, req.Chunk, n)
	}
	if _, err := sendN(w, rc, n); err != nil {
		if errors.Is(err, store.ErrCorrupt) {
			s.quarantine(ctx, req.Chunk, err)
		}
		return fmt.Errorf("%w: send %d bytes: %v", errAborted, n, err)
	}
	return nil
}

// quarantine takes a chunk found corrupt while sending it out of service,
// if the store can (store.Quarantiner), so no one else is sent it.
func (s *Service) quarantine(ctx context.Context, id cid.Cid, why error) {
	q, ok := s.cfg.Store.(store.Quarantiner)
	if !ok {
		s.log.Warn("chunk corrupt, the store cannot quarantine it", "chunk", id, "err", why)
		return
	}
	if err := q.Quarantine(ctx, id, why); err != nil {
		s.log.Warn("chunk corrupt, quarantine failed", "chunk", id, "err", err)
		return
	}
	s.log.Warn("chunk corrupt, quarantined", "chunk", id, "err", why)
}

// sendN sends exactly n bytes of a store's reader. A reader that can
// write itself (io.WriterTo: the disk store's writes from its aligned read
// buffer, memstore's from the chunk in memory) writes straight to the
// stream, so each byte is copied once; any other goes through copyN's
// buffer.
func sendN(str io.Writer, r io.Reader, n int64) (int64, error) {
	if wt, ok := r.(io.WriterTo); ok {
		return writeN(str, wt, n)
	}
	return copyN(str, r, n)
}

func (s *Service) has(ctx context.Context, str network.Stream, req *request) error {
	info, err := s.stat(ctx, req)
	if err != nil {
		return err
	}
	if err := writeResponse(str, &response{Status: codeOK, Size: info.Size}); err != nil {
		return fmt.Errorf("%w: %v", errAborted, err)
	}
	return nil
}

// delete removes a chunk for the client that signed the order it is held
// under, and for no one else.
func (s *Service) delete(ctx context.Context, str network.Stream, remote peer.ID, req *request) error {
	info, err := s.stat(ctx, req)
	if err != nil {
		return err
	}
	if held, err := UnmarshalOrder(info.Meta); err != nil || held.Client != remote {
		return fmt.Errorf("%w: %s", ErrNotOwner, info.ID)
	}
	if err := s.cfg.Store.Delete(ctx, req.Chunk); err != nil {
		return err
	}
	if err := writeResponse(str, &response{Status: codeOK}); err != nil {
		return fmt.Errorf("%w: %v", errAborted, err)
	}
	return nil
}

func (s *Service) stat(ctx context.Context, req *request) (store.Info, error) {
	if err := store.CheckID(req.Chunk); err != nil {
		return store.Info{}, err
	}
	return s.cfg.Store.Stat(ctx, req.Chunk)
}
