package main

import (
	"errors"
	"fmt"
	"path"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/catalog"
	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/client/stream"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/enroll"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/store/disk"
)

// errInterrupted means the user stopped the command (SIGINT, SIGTERM).
var errInterrupted = errors.New("interrupted")

// errNoUnfinished means rm --unfinished found no unfinished upload of
// the name.
var errNoUnfinished = errors.New("no unfinished upload")

// errNoMasterKey means --dir has no master key: it was not set up as a client.
var errNoMasterKey = errors.New("no master key")

// unfinishedError is the error of a put that left an unfinished upload
// of volume/name behind.
type unfinishedError struct {
	err          error
	volume, name string
}

func (e unfinishedError) Error() string { return e.err.Error() }
func (e unfinishedError) Unwrap() error { return e.err }

// hint says what became of the upload and what to do with it.
func (e unfinishedError) hint() string {
	return fmt.Sprintf("scatterbytes: %s is left unfinished: the same put resumes it; `scatterbytes rm %s` frees what it stored",
		e.name, unfinishedArgs(e.volume, e.name))
}

// humanError adds what to do next to the errors people meet most. The
// wrapped detail stays in the message, after the hint, unless it is only
// a chain of internal errors: then the hint alone is the message, and the
// detail goes to the debug log (main).
func humanError(err error) string {
	if ue := (unfinishedError{}); errors.As(err, &ue) {
		return humanError(ue.err) + "\n" + ue.hint()
	}
	hint := ""
	switch {
	case errors.Is(err, errInterrupted):
		return err.Error()
	case errors.Is(err, identity.ErrNoKey):
		hint = "no identity key: run `scatterbytes init` first (or pass --dir)"
	case errors.Is(err, identity.ErrKeyPermissions):
		hint = "the key file is readable by others: run `chmod 600` on it"
	case errors.Is(err, profile.ErrNotLaunched):
		return err.Error()
	case errors.Is(err, profile.ErrBadProfile):
		hint = "the network profile is not valid: check the file given with --network"
	case errors.Is(err, cert.ErrExpired):
		hint = "the membership certificate has expired: get a new one from the network CA (`scatterbytes ca sign`), or restart the node to renew it through the coordinator"
	case errors.Is(err, client.ErrEnrol) && errors.Is(err, enroll.ErrRefused):
		hint = "the network's coordinator refused this directory a certificate: ask the network's operator, or get one signed by its CA (`scatterbytes ca sign`)"
	case errors.Is(err, client.ErrEnrol):
		return "the network's coordinator cannot be reached to enrol this directory: check that the network is up and that --network is its profile"
	case errors.Is(err, client.ErrNoPeers):
		return "no peer of the network answers: check that the network is up and that --network is its profile"
	case errors.Is(err, node.ErrNoCert):
		hint = "no membership certificate yet"
	case errors.Is(err, errNoMasterKey):
		hint = "this directory is not set up as a client: run `scatterbytes init --role client` (or pass --dir)"
	case errors.Is(err, keys.ErrNeedPassphrase), errors.Is(err, keys.ErrBadPassphrase):
		hint = "the master key needs its passphrase: pass --passphrase-file FILE or set SCATTERBYTES_PASSPHRASE"
	case errors.Is(err, keys.ErrPermissions):
		hint = "the master key file is readable by others: run `chmod 600` on it"
	case errors.Is(err, catalog.ErrInvalid):
		hint = "volumes and names are non-empty UTF-8 of at most 1024 bytes, and a volume has no \"/\""
	case errors.Is(err, catalog.ErrInUse):
		return fmt.Sprintf("the client directory %s is in use by another scatterbytes command: wait for it to end, or pass another --dir", g.dir)
	case errors.Is(err, catalog.ErrWrongKey):
		hint = "the catalog in --dir was made with another master key"
	case errors.Is(err, errNoUnfinished):
		return err.Error() + ": `scatterbytes ls` lists the unfinished uploads (per volume)"
	case errors.Is(err, client.ErrNotFound), errors.Is(err, catalog.ErrNotFound):
		hint = "no such file: `scatterbytes ls` lists what is stored (names are per --volume)"
	case errors.Is(err, client.ErrNoSpace):
		return "the storage nodes are out of space: free some (`scatterbytes rm`; the nodes free it by their next proof) or add nodes"
	case errors.Is(err, client.ErrNoManifest):
		return "no node holds this file's manifest: it was removed, or its holders are offline"
	case errors.Is(err, errNodeRunning):
		return err.Error()
	case errors.Is(err, disk.ErrLocked), errors.Is(err, node.ErrDirInUse):
		return fmt.Sprintf("the directory %s is in use by another process (a node running from it): stop that first, or pass another --dir", g.dir)
	case errors.Is(err, errExitTooFewNodes):
		hint = "too few other storage nodes to hand this node's chunks to (each goes to a node that holds no part of its stripe): wait for more nodes, then run `scatterbytes node exit` again"
	case errors.Is(err, storage.ErrNotHandedOver):
		hint = "not every chunk is proven elsewhere yet, so the node must not leave: run `scatterbytes node exit` again (it re-does only what is missing)"
	case errors.Is(err, client.ErrNotEnoughNodes):
		hint = "the network has too few storage nodes for k+m; lower --redundancy or start more nodes"
	case errors.Is(err, client.ErrUnavailable):
		hint = "too few of the file's holders answer right now; try again later"
	case errors.Is(err, manifest.ErrBadRef), errors.Is(err, manifest.ErrBadManifest):
		hint = "the reference is wrong or the file key does not match"
	case errors.Is(err, stream.ErrTampered), errors.Is(err, stream.ErrTruncated):
		hint = "the data failed authentication: it was altered, or the file key is wrong"
	case errors.Is(err, stream.ErrRange):
		hint = "the range lies outside the file: see its size with `scatterbytes stat`"
	case errors.Is(err, path.ErrBadPattern):
		hint = "the pattern is malformed: see `scatterbytes find --help`"
	}
	if hint == "" {
		return err.Error()
	}
	return fmt.Sprintf("%s\n  (%v)", hint, err)
}
