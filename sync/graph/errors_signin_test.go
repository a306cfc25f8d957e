package graph

import (
	"errors"
	"fmt"
	"testing"
)

func TestIsSignIn(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{&Error{Kind: KindWrongSecret}, true},
		{fmt.Errorf("list contacts: %w", &Error{Kind: KindSecretExpired}), true},
		{&Error{Kind: KindTenantNotFound}, true},
		{&Error{Kind: KindCertificateNotRegistered}, true},
		{&Error{Kind: KindAssertionTime}, true},
		{&Error{Kind: KindNetwork}, false},
		{&Error{Kind: KindAccessDenied}, false}, // may concern one mailbox (an access policy)
		{&Error{Kind: KindMailboxNotFound}, false},
		{errors.New("other"), false},
		{nil, false},
	} {
		if got := IsSignIn(tt.err); got != tt.want {
			t.Errorf("IsSignIn(%v) = %t; want %t", tt.err, got, tt.want)
		}
	}
}
