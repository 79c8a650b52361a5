package gossip

// EncodeEnvelope lets the network tests publish raw envelopes, bypassing
// a topic's own checks, as a misbehaving member would.
func EncodeEnvelope(kind Kind, epoch uint64, payload []byte) []byte {
	return envelope{kind: kind, epoch: epoch, payload: payload}.encode()
}
