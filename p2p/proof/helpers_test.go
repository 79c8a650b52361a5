package proof

import (
	"unsafe"

	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/disk"
)

const testNetwork = "prooftest"

// party is a member: its key and certificate.
type party struct {
	key  identity.Key
	cert []byte
}

func newParty(t testing.TB, ca *cert.CA, role cert.Role) party {
	t.Helper()
	k, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	der, _, err := ca.Issue(k.PubKey(), role, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	return party{k, der}
}

// fixture is a CA, a coordinator, a client and a storage node with a real
// disk store and a prover.
type fixture struct {
	ca                  *cert.CA
	coord, node, client party
	opts                Options
	dir                 string
	st                  store.Store
	prover              *Prover
	clientCerts         map[peer.ID][]byte
	ids                 []cid.Cid
	start               time.Time
	length              time.Duration
	beacons             []*Beacon
}

func newFixture(t testing.TB) *fixture { return newFixtureOn(t, nil) }

// newFixtureOn uses st, or a disk store in a temporary directory if nil.
func newFixtureOn(t testing.TB, st store.Store) *fixture {
	t.Helper()
	ca, err := cert.NewCA(testNetwork, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{
		ca:     ca,
		coord:  newParty(t, ca, cert.RoleCoordinator),
		node:   newParty(t, ca, cert.RoleNode),
		client: newParty(t, ca, cert.RoleClient),
		opts:   Options{Network: testNetwork, CA: ca.Certificate()},
		dir:    t.TempDir(),
		start:  time.Now().Truncate(time.Minute),
		length: time.Minute,
	}
	f.clientCerts = map[peer.ID][]byte{f.client.key.PeerID(): f.client.cert}
	if f.st = st; st == nil {
		d, err := disk.Open(context.Background(), f.dir, disk.Config{Capacity: 1 << 34})
		if err != nil {
			t.Fatal(err)
		}
		f.st = d
	}
	t.Cleanup(func() { f.st.Close() })
	f.prover, err = NewProver(ProverConfig{
		Network: testNetwork, Store: f.st, Key: f.node.key,
		Cert: func() []byte { return f.node.cert },
		ClientCert: func(_ context.Context, c peer.ID) ([]byte, error) {
			if der, ok := f.clientCerts[c]; ok {
				return der, nil
			}
			return nil, fmt.Errorf("no certificate of %s", c)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// order signs an order of the fixture's client for data.
func (f *fixture) order(t testing.TB, id cid.Cid, size int64) chunk.Order {
	t.Helper()
	o := chunk.Order{Chunk: id, Size: size, Expiry: time.Now().Add(24 * time.Hour), K: 4, M: 2}
	if err := chunk.SignOrder(f.client.key, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

// put stores n random chunks of size bytes with signed orders.
func (f *fixture) put(t testing.TB, n, size int) {
	t.Helper()
	for range n {
		data := make([]byte, size)
		rand.Read(data)
		id := store.Sum(data)
		o := f.order(t, id, int64(size))
		if err := f.st.Put(context.Background(), id, int64(size), bytes.NewReader(data), o.Marshal()); err != nil {
			t.Fatal(err)
		}
		f.ids = append(f.ids, id)
	}
}

// beacon makes the next beacon, chained to the last.
func (f *fixture) beacon(t testing.TB) *Beacon {
	t.Helper()
	var prev *Beacon
	epoch := uint64(1)
	if n := len(f.beacons); n > 0 {
		prev = f.beacons[n-1]
		epoch = prev.Epoch + 1
	}
	b, err := NewBeacon(f.coord.key, f.coord.cert, testNetwork, epoch, f.start.Add(time.Duration(epoch)*f.length), f.length, 0, prev)
	if err != nil {
		t.Fatal(err)
	}
	f.beacons = append(f.beacons, b)
	return b
}

// prove answers the next beacon.
func (f *fixture) prove(t testing.TB) ([]byte, *Beacon) {
	t.Helper()
	b := f.beacon(t)
	p, err := f.prover.Prove(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	return p, b
}

// resign decodes a proof, lets mutate change it, and signs it again with key.
func resign(t testing.TB, data []byte, key identity.Key, mutate func(*Proof)) []byte {
	t.Helper()
	p, err := Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	mutate(p)
	if p.Signature, err = key.Sign(p.signedBytes()); err != nil {
		t.Fatal(err)
	}
	return p.Marshal()
}

// chunkFile is where the disk store keeps chunk id (see store/disk's layout).
func (f *fixture) chunkFile(id cid.Cid) string {
	d, _ := store.Digest(id)
	return filepath.Join(f.dir, "chunks", fmt.Sprintf("%02x", d[0]), id.String())
}

// flipLastByte corrupts chunk id's last byte on disk.
func (f *fixture) flipLastByte(t testing.TB, id cid.Cid) {
	t.Helper()
	path := f.chunkFile(id)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 1
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// sampled returns the chunk sample j of the next proof will challenge,
// given beacon b.
func (f *fixture) sampled(t testing.TB, b *Beacon, j int) cid.Cid {
	t.Helper()
	c, ok := f.prover.Committed()
	if !ok {
		t.Fatal("nothing committed")
	}
	s := f.prover.snap
	return store.IDFromDigest(s.entries[SampleIndex(b.Randomness, f.node.key.PeerID(), j, c.Count)].digest)
}

type cidT = cid.Cid

// lyingStore reports info for its one chunk instead of the truth: a node
// that lies about a chunk's size.
type lyingStore struct {
	Source
	info store.Info
}

func (l lyingStore) Stat(context.Context, cid.Cid) (store.Info, error) { return l.info, nil }

func (l lyingStore) Iterate(_ context.Context, _ cid.Cid, fn func(store.Info) error) error {
	return fn(l.info)
}

// reissue certifies p's key again, by ca.
func reissue(t testing.TB, ca *cert.CA, p party) party {
	t.Helper()
	der, _, err := ca.Issue(p.key.PubKey(), cert.RoleClient, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	return party{p.key, der}
}

// entrySize is what the prover keeps per committed chunk.
const entrySize = int(unsafe.Sizeof(entry{}))
