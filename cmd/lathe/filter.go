package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/lathe-ml/lathe/store/query"
)

// filterError turns a query error (bad --filter or --order-by) into a
// message that shows the input with a caret under the offending column:
//
//	filter: at column 11: expected a value after "<", got end of input
//	  params.lr <
//	            ^
//
// Other errors come back unchanged.
func filterError(filter string, err error) error {
	var qe *query.Error
	if !errors.As(err, &qe) {
		return err
	}
	in := qe.Input
	if in == "" {
		in = filter
	}
	if strings.ContainsAny(in, "\n\r") || qe.Column() < 1 {
		return qeMessage{err, qe.Error()}
	}
	shown := strings.NewReplacer("\t", " ").Replace(in)
	caret := strings.Repeat(" ", qe.Column()-1) + "^"
	return qeMessage{err, fmt.Sprintf("%s\n  %s\n  %s", qe.Error(), shown, caret)}
}

// qeMessage keeps the wrapped error for errors.Is while printing msg.
type qeMessage struct {
	err error
	msg string
}

func (q qeMessage) Error() string { return q.msg }
func (q qeMessage) Unwrap() error { return q.err }
