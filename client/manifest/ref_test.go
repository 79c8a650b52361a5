package manifest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/store"
)

func testRef(t testing.TB) Ref {
	return Ref{Manifest: store.Sum([]byte("root")), Key: fixedKey(t, 0x42)}
}

func TestRefRoundTrip(t *testing.T) {
	r := testRef(t)
	s := r.Encode()
	if !strings.HasPrefix(s, "sb1") || len(s) != 119 {
		t.Fatalf("Encode = %q (%d chars)", s, len(s))
	}
	for _, in := range []string{s, strings.ToUpper(s), "  " + s + "\n"} {
		got, err := ParseRef(in)
		if err != nil || !got.Manifest.Equals(r.Manifest) || !got.Key.Equal(r.Key) {
			t.Fatalf("ParseRef(%q) = %v, %v", in, got, err)
		}
	}
}

func TestRefDoesNotPrintKey(t *testing.T) {
	r := testRef(t)
	enc := r.Encode()
	keyPart := enc[len(enc)-20:]
	for _, out := range []string{r.String(), fmt.Sprint(r), fmt.Sprintf("%+v", r), fmt.Sprintf("%#v", r), fmt.Sprintf("%v", &r)} {
		if strings.Contains(out, keyPart) || strings.Contains(out, "4242") || strings.Contains(out, "66 66") {
			t.Errorf("printed the key: %s", out)
		}
	}
}

func TestParseRefRefuses(t *testing.T) {
	r := testRef(t)
	good := r.Encode()
	flip := []byte(good)
	flip[40] = map[bool]byte{true: 'b', false: 'a'}[flip[40] == 'a']
	sha, _ := mh.Sum([]byte("x"), mh.SHA2_256, -1)
	shaRef := Ref{Manifest: cid.NewCidV1(cid.Raw, sha), Key: r.Key}.Encode()
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "does not start"},
		{"other scheme", "bafkrei", "does not start"},
		{"future version", "sb2" + good[3:], "version \"2\" not supported"},
		{"not base32", "sb1!!!!", "not base32"},
		{"too short", "sb1" + good[3:20], "too short"},
		{"cut short", good[:len(good)-8], "checksum"},
		{"typo", string(flip), "checksum"},
		{"not canonical", good[:len(good)-1] + "7", ""},
		{"sha256 CID", shaRef, "not a chunk ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRef(tc.in)
			if !errors.Is(err, ErrBadRef) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrBadRef mentioning %q", err, tc.want)
			}
		})
	}
	var _ keys.FileKey = r.Key
}
