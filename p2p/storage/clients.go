package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/atomicfile"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
)

// ClientsDir keeps, inside a node directory, the membership certificate
// each client presented when it stored chunks here: a proof carries the
// certificate of every sampled order's client (package proof, "Client
// certificates"), and the client may be long gone when its chunk is
// sampled.
const ClientsDir = "clients"

// clientCerts is that directory with an in-memory index of it.
type clientCerts struct {
	dir string
	// verified returns the certificate the gate verified for a peer.
	verified func(peer.ID) (cert.Member, bool)

	mu   sync.Mutex
	have map[peer.ID][]byte
}

// Cert returns the certificate kept for client, or, the first time, the
// one the gate verified when it connected (and keeps it).
func (c *clientCerts) Cert(_ context.Context, client peer.ID) ([]byte, error) {
	c.mu.Lock()
	der, ok := c.have[client]
	c.mu.Unlock()
	if ok {
		return der, nil
	}
	der, err := os.ReadFile(c.path(client))
	if errors.Is(err, os.ErrNotExist) {
		return c.keep(client)
	}
	if err != nil {
		return nil, err
	}
	c.remember(client, der)
	return der, nil
}

// keep saves the gate's certificate of client, if it verified one.
func (c *clientCerts) keep(client peer.ID) ([]byte, error) {
	m, ok := c.verified(client)
	if !ok || m.Raw == nil || m.Role != cert.RoleClient {
		return nil, fmt.Errorf("no certificate kept for client %s", client)
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return nil, err
	}
	if err := atomicfile.Write(c.path(client), m.Raw, 0o644); err != nil {
		return nil, err
	}
	c.remember(client, m.Raw)
	return m.Raw, nil
}

func (c *clientCerts) remember(client peer.ID, der []byte) {
	c.mu.Lock()
	if c.have == nil {
		c.have = map[peer.ID][]byte{}
	}
	c.have[client] = der
	c.mu.Unlock()
}

func (c *clientCerts) path(client peer.ID) string { return filepath.Join(c.dir, client.String()) }

// stored keeps the certificate of the client of a chunk just stored,
// while the gate still holds it, and returns the chunk's order.
func (s *Storage) stored(ctx context.Context, id cid.Cid) (chunk.Order, bool) {
	info, err := s.st.Stat(ctx, id)
	if err != nil {
		return chunk.Order{}, false
	}
	o, err := chunk.UnmarshalOrder(info.Meta)
	if err != nil {
		return chunk.Order{}, false
	}
	if _, err := s.clients.Cert(ctx, o.Client); err != nil {
		s.log.Debug("client certificate", "client", o.Client, "err", err)
	}
	return o, true
}
