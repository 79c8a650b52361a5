package client

import (
	"testing"

	"github.com/scatterbytes/scatterbytes/client/catalog"
)

// TestDecodeJournal: a journal kept whole in its blob, as before parts
// existed, still loads, and parts add to what the blob holds.
func TestDecodeJournal(t *testing.T) {
	old := `{"v":1,"key":null,"size":10,"redundancy":"4+2","id":"up","stripes":{"0":[{"id":"a","holders":null}]},"strays":[{"id":"s","holders":null}]}`
	j, err := decodeJournal(catalog.StoredJournal{Blob: []byte(old), Parts: [][]byte{
		[]byte(`{"stripes":{"1":[{"id":"b","holders":null}]}}`),
		[]byte(`{"strays":[{"id":"t","holders":null}]}`),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(j.Stripes) != 2 || j.Stripes[0][0].ID != "a" || j.Stripes[1][0].ID != "b" {
		t.Fatalf("stripes %v, want stripe 0 from the blob and 1 from a part", j.Stripes)
	}
	if len(j.Strays) != 2 || j.Strays[0].ID != "s" || j.Strays[1].ID != "t" {
		t.Fatalf("strays %v, want s from the blob, then t", j.Strays)
	}
	if _, err := decodeJournal(catalog.StoredJournal{Blob: []byte(`{"v":2}`)}); err == nil {
		t.Fatal("a journal of version 2 decoded")
	}
	if _, err := decodeJournal(catalog.StoredJournal{Blob: []byte(old), Parts: [][]byte{[]byte("{")}}); err == nil {
		t.Fatal("a journal with a part that does not parse decoded")
	}
}
