package wire

import (
	"errors"
	"fmt"
)

// MatchProto checks that the .proto source src declares exactly the
// messages given, field for field: number, name, kind (and embedded type
// name), repeated, required and caps, and the message size limits. It
// also validates each schema. Each package's tests call it on the .proto
// beside them, so the published schema and the Go tables cannot drift.
func MatchProto(src []byte, msgs ...*Message) error {
	parsed, err := ParseProto(src)
	if err != nil {
		return err
	}
	byName := map[string]*Message{}
	for _, p := range parsed {
		byName[p.Name] = p
	}
	var errs []error
	for _, m := range msgs {
		if err := m.Validate(); err != nil {
			errs = append(errs, err)
		}
		p, ok := byName[m.Name]
		if !ok {
			errs = append(errs, fmt.Errorf("message %s: not in the .proto", m.Name))
			continue
		}
		delete(byName, m.Name)
		errs = append(errs, matchMessage(p, m)...)
	}
	for name := range byName {
		errs = append(errs, fmt.Errorf("message %s: in the .proto, not in the Go tables", name))
	}
	return errors.Join(errs...)
}

func matchMessage(p, m *Message) []error {
	var errs []error
	if p.Max != m.Max {
		errs = append(errs, fmt.Errorf("message %s: .proto says max %d bytes, Go %d", m.Name, p.Max, m.Max))
	}
	if len(p.Fields) != len(m.Fields) {
		errs = append(errs, fmt.Errorf("message %s: .proto has %d fields, Go %d", m.Name, len(p.Fields), len(m.Fields)))
	}
	for i := range min(len(p.Fields), len(m.Fields)) {
		if d := diffField(&p.Fields[i], &m.Fields[i]); d != "" {
			errs = append(errs, fmt.Errorf("message %s: field %d: %s", m.Name, i+1, d))
		}
	}
	return errs
}

// describe is a field as the .proto would state it.
func (f *Field) describe() string {
	typ := f.Kind.String()
	if f.Msg != nil {
		typ = f.Msg.Name
	}
	s := fmt.Sprintf("%s %s = %d; required=%t min=%d max=%d", typ, f.Name, f.Num, f.Required, f.Min, f.Max)
	if f.Repeated {
		s = fmt.Sprintf("repeated %s items=%d", s, f.MaxCount)
	}
	return s
}

func diffField(p, g *Field) string {
	if a, b := p.describe(), g.describe(); a != b {
		return fmt.Sprintf(".proto says %q, Go says %q", a, b)
	}
	return ""
}
