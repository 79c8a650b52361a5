package bitcoin

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/txscript"

	"github.com/scatterbytes/scatterbytes/internal/atomicfile"
)

// KeyFile is the coordinator's Bitcoin key file in its directory.
const KeyFile = "bitcoin.key"

// Key is the coordinator's Bitcoin key: it cannot be printed, and the
// struct is not comparable.
type Key struct {
	priv *btcec.PrivateKey
	net  *chaincfg.Params
	_    [0]func()
}

// String hides the key.
func (Key) String() string { return "bitcoin.Key(redacted)" }

// GoString hides the key.
func (k Key) GoString() string { return k.String() }

// Format hides the key from every verb.
func (k Key) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }

// LoadOrCreateKey reads the WIF in path, or makes a key and writes it
// there (0600) when the file does not exist. A key for another chain than
// net is refused.
func LoadOrCreateKey(path string, net *chaincfg.Params) (Key, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		priv, err := btcec.NewPrivateKey()
		if err != nil {
			return Key{}, err
		}
		w, err := btcutil.NewWIF(priv, net, true)
		if err != nil {
			return Key{}, err
		}
		if err := atomicfile.Write(path, []byte(w.String()+"\n"), 0o600); err != nil {
			return Key{}, fmt.Errorf("bitcoin key: %w", err)
		}
		return Key{priv: priv, net: net}, nil
	} else if err != nil {
		return Key{}, fmt.Errorf("bitcoin key: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return Key{}, fmt.Errorf("bitcoin key %s: mode %v, want 0600", path, fi.Mode().Perm())
	}
	w, err := btcutil.DecodeWIF(strings.TrimSpace(string(b)))
	if err != nil {
		return Key{}, fmt.Errorf("bitcoin key %s: not a WIF", path)
	}
	if !w.IsForNet(net) {
		return Key{}, fmt.Errorf("bitcoin key %s: not a key for Bitcoin %s", path, net.Name)
	}
	return Key{priv: w.PrivKey, net: net}, nil
}

// Address is the key's P2WPKH address.
func (k Key) Address() *btcutil.AddressWitnessPubKeyHash {
	a, err := btcutil.NewAddressWitnessPubKeyHash(btcutil.Hash160(k.priv.PubKey().SerializeCompressed()), k.net)
	if err != nil {
		panic(err) // a 20-byte hash is always valid
	}
	return a
}

// PkScript is the output script of Address.
func (k Key) PkScript() []byte {
	s, err := txscript.PayToAddrScript(k.Address())
	if err != nil {
		panic(err)
	}
	return s
}

// Net is the key's chain.
func (k Key) Net() *chaincfg.Params { return k.net }
