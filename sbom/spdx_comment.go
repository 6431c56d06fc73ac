package sbom

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/drydock/drydock/inventory"
)

// drydock's facts that SPDX 2.3 has no field for travel in the `comment` of
// the package they describe, as one line:
//
//	drydock: type=deb ecosystem=Debian:12 path=var/lib/dpkg/status layer=1
//
// One comment instead of one annotation per fact because an annotation
// repeats its annotator, date and type: nine of them made a package six
// times its own size. Fields are separated by one space (or, in the image's
// comment, a newline before each layer and warning, for people); a value is
// percent-encoded (escapeValue) so that it holds no space, comma, control
// character or bare "%", whatever the image put in a path or build step.
// docs/json-format.md lists the keys.
const spdxCommentPrefix = "drydock:"

// Keys of the package, OS and image comments; they are the inventory JSON's
// field names.
const (
	keyType          = "type"
	keyEcosystem     = "ecosystem"
	keySourceName    = "sourceName"
	keySourceVersion = "sourceVersion"
	keyArch          = "arch"
	keyPath          = "path"
	keyLayer         = "layer"
	keyLicense       = "license"
	keyLocation      = "location"
	keyOwner         = "owner"

	keyCodename = "codename"

	keySource       = "source"
	keyName         = "name"
	keyConfigDigest = "configDigest"
	keyPlatform     = "platform"
	keyCreated      = "created"
	keyWarning      = "warning"
)

// commentWriter builds one drydock comment.
type commentWriter struct{ b strings.Builder }

func newCommentWriter() *commentWriter {
	w := &commentWriter{}
	w.b.WriteString(spdxCommentPrefix)
	return w
}

// add appends key=value, leaving out empty values: an absent key reads back
// as the empty string.
func (w *commentWriter) add(key, value string) {
	if value != "" {
		w.addAlways(key, value)
	}
}

func (w *commentWriter) addAlways(key, value string) {
	w.addSep(' ', key, value)
}

func (w *commentWriter) addSep(sep byte, key, value string) {
	w.b.WriteByte(sep)
	w.b.WriteString(key)
	w.b.WriteByte('=')
	escapeValue(&w.b, value)
}

// addLayer appends one image layer as layer=DIFFID,DIGEST,SIZE,CREATEDBY;
// its index is its position among the layer keys.
func (w *commentWriter) addLayer(l inventory.Layer) {
	w.b.WriteString("\n" + keyLayer + "=")
	escapeValue(&w.b, l.DiffID)
	w.b.WriteByte(',')
	escapeValue(&w.b, l.Digest)
	w.b.WriteByte(',')
	if l.Size != 0 {
		w.b.WriteString(strconv.FormatInt(l.Size, 10))
	}
	w.b.WriteByte(',')
	escapeValue(&w.b, l.CreatedBy)
}

func (w *commentWriter) String() string { return w.b.String() }

// mustEscape says which bytes a value may not hold as they are: the field
// separator, the layer field separator, the escape character and every
// ASCII control character, so that a comment is always one line.
func mustEscape(c byte) bool {
	return c <= ' ' || c == 0x7f || c == '%' || c == ','
}

const hexDigits = "0123456789ABCDEF"

func escapeValue(b *strings.Builder, s string) {
	start := 0
	for i := 0; i < len(s); i++ {
		if !mustEscape(s[i]) {
			continue
		}
		b.WriteString(s[start:i])
		b.WriteByte('%')
		b.WriteByte(hexDigits[s[i]>>4])
		b.WriteByte(hexDigits[s[i]&0xf])
		start = i + 1
	}
	b.WriteString(s[start:])
}

// unescapeValue reverses escapeValue. It refuses a "%" not followed by two
// hex digits, and makes the result valid UTF-8 as a JSON string would be,
// so that what it returns survives any later JSON round trip unchanged.
func unescapeValue(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			out = append(out, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("%w: comment value %q: truncated %% escape", ErrInvalid, s)
		}
		n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("%w: comment value %q: bad %% escape", ErrInvalid, s)
		}
		out = append(out, byte(n))
		i += 2
	}
	if !utf8.Valid(out) {
		return strings.ToValidUTF8(string(out), "\uFFFD"), nil
	}
	return string(out), nil
}

// commentFields splits a drydock comment into its keys and unescaped
// values, in order. ok is false for a comment that is not drydock's.
func commentFields(comment string) (fields []prop, ok bool, err error) {
	rest, ok := strings.CutPrefix(comment, spdxCommentPrefix)
	if !ok {
		return nil, false, nil
	}
	for tok := range strings.FieldsFuncSeq(rest, isCommentSep) {
		key, value, found := strings.Cut(tok, "=")
		if !found || key == "" {
			return nil, true, fmt.Errorf("%w: comment field %q is not KEY=VALUE", ErrInvalid, tok)
		}
		// Values stay escaped: a layer's are unescaped field by field,
		// after its commas have been split on.
		fields = append(fields, prop{key, value})
	}
	return fields, true, nil
}

func isCommentSep(r rune) bool { return r == ' ' || r == '\n' }

// packageComment is the comment of a package's SPDX entry. Licenses are
// listed only when licenseDeclared cannot hold them exactly.
func packageComment(p *inventory.Package, listLicenses bool) string {
	w := newCommentWriter()
	for _, f := range packageFacts {
		if f.always {
			w.addAlways(f.key, *f.field(p))
		} else {
			w.add(f.key, *f.field(p))
		}
	}
	w.b.WriteString(" " + keyLayer + "=" + strconv.Itoa(p.Layer))
	for _, l := range p.Locations {
		w.addAlways(keyLocation, l)
	}
	if listLicenses {
		for _, l := range p.Licenses {
			w.addAlways(keyLicense, l)
		}
	}
	return w.String()
}

// applyPackageComment sets the fields of p that packageComment wrote and
// reports whether it listed licenses.
func applyPackageComment(p *inventory.Package, fields []prop) (bool, error) {
	listed := false
	for _, f := range fields {
		v, err := unescapeValue(f.value)
		if err != nil {
			return listed, err
		}
		if fact := factFor(f.name, func(f packageFact) string { return f.key }); fact != nil {
			*fact.field(p) = v
			continue
		}
		switch f.name {
		case keyLayer:
			n, err := strconv.Atoi(v)
			if err != nil || n < -1 {
				return listed, fmt.Errorf("%w: comment %s=%q is not a layer index", ErrInvalid, keyLayer, v)
			}
			p.Layer = n
		case keyLicense:
			p.Licenses = append(p.Licenses, v)
			listed = true
		case keyLocation:
			p.Locations = append(p.Locations, v)
		default:
			return listed, fmt.Errorf("%w: unknown package comment key %q", ErrInvalid, f.name)
		}
	}
	return listed, nil
}

// imageComment is the comment of the image package: what the image's SPDX
// fields (name, versionInfo, checksums, builtDate) cannot hold exactly,
// its layers bottom first, and the catalog's warnings.
func imageComment(inv *inventory.Inventory) string {
	w := newCommentWriter()
	w.add(keySource, inv.Source)
	w.add(keyName, inv.Name)
	w.add(keyConfigDigest, inv.ConfigDigest)
	w.add(keyPlatform, inv.Platform)
	if inv.Created != nil {
		// builtDate has whole seconds only; this is the exact time.
		w.add(keyCreated, inv.Created.UTC().Format(time.RFC3339Nano))
	}
	for _, l := range inv.Layers {
		w.addLayer(l)
	}
	for _, warn := range inv.Warnings {
		w.addSep('\n', keyWarning, warn)
	}
	return w.String()
}

// applyImageComment sets the inventory fields imageComment wrote.
func applyImageComment(inv *inventory.Inventory, fields []prop) error {
	for _, f := range fields {
		if f.name == keyLayer {
			l, err := parseLayer(f.value, len(inv.Layers))
			if err != nil {
				return err
			}
			inv.Layers = append(inv.Layers, l)
			continue
		}
		v, err := unescapeValue(f.value)
		if err != nil {
			return err
		}
		switch f.name {
		case keySource:
			inv.Source = v
		case keyName:
			inv.Name = v
		case keyConfigDigest:
			inv.ConfigDigest = v
		case keyPlatform:
			inv.Platform = v
		case keyCreated:
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return fmt.Errorf("%w: comment %s=%q is not an RFC 3339 time", ErrInvalid, keyCreated, v)
			}
			inv.Created = &t
		case keyWarning:
			inv.Warnings = append(inv.Warnings, v)
		default:
			return fmt.Errorf("%w: unknown image comment key %q", ErrInvalid, f.name)
		}
	}
	return nil
}

// parseLayer reads one layer=DIFFID,DIGEST,SIZE,CREATEDBY value.
func parseLayer(value string, index int) (inventory.Layer, error) {
	parts := strings.Split(value, ",")
	if len(parts) != 4 {
		return inventory.Layer{}, fmt.Errorf("%w: comment layer %q is not DIFFID,DIGEST,SIZE,CREATEDBY", ErrInvalid, value)
	}
	l := inventory.Layer{Index: index}
	var err error
	if l.DiffID, err = unescapeValue(parts[0]); err != nil {
		return l, err
	}
	if l.Digest, err = unescapeValue(parts[1]); err != nil {
		return l, err
	}
	if parts[2] != "" {
		if l.Size, err = strconv.ParseInt(parts[2], 10, 64); err != nil {
			return l, fmt.Errorf("%w: comment layer %d size %q is not a byte count", ErrInvalid, index, parts[2])
		}
	}
	if l.CreatedBy, err = unescapeValue(parts[3]); err != nil {
		return l, err
	}
	return l, nil
}
