package auditlog

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Printable returns s as it is when it is valid UTF-8 without control
// characters, and otherwise quoted with Go escapes ("admin\nfake"), so that
// a name chosen by an attacker can neither forge a line of the trail nor
// send escape sequences to the terminal of whoever reads it.
func Printable(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	return strconv.Quote(s)
}

// escaped returns e with every text field Printable: what reaches the
// store and the log is then always valid text, whatever a caller passed.
func (e Event) escaped() Event {
	for _, f := range []*string{&e.Actor, &e.Action, &e.Repo, &e.Target, &e.Reason, &e.Addr} {
		*f = Printable(*f)
	}
	return e
}
