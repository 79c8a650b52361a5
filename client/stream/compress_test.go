package stream

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func compress(t *testing.T, plain []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := Compress(&buf)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(plain)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCompressedRoundTrip(t *testing.T) {
	key := testKey(t, 6)
	plain := bytes.Repeat([]byte("scatterbytes compresses text. "), 10000)
	// compress -> seal -> open -> decompress, as a client does.
	var sealed bytes.Buffer
	w := NewWriter(&sealed, key)
	zw, _ := Compress(w)
	zw.Write(plain)
	zw.Close()
	w.Close()
	if sealed.Len() >= len(plain)/10 {
		t.Fatalf("sealed %d bytes for %d compressible bytes", sealed.Len(), len(plain))
	}
	zr, err := Decompress(NewReader(&sealed, key), int64(len(plain)))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("round trip: %d bytes, %v", len(got), err)
	}
}

func TestDecompressEnforcesSize(t *testing.T) {
	plain := bytes.Repeat([]byte("abc"), 1000)
	z := compress(t, plain)
	for _, tc := range []struct {
		name string
		size int64
		want error
	}{
		{"exact", 3000, nil},
		{"declared smaller", 2999, ErrTooLarge},
		{"declared larger", 3001, ErrTruncated},
		{"empty declared", 0, ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			zr, err := Decompress(bytes.NewReader(z), tc.size)
			if err != nil {
				t.Fatal(err)
			}
			defer zr.Close()
			_, err = io.ReadAll(zr)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}
