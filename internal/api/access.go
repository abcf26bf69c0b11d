package api

import (
	"fmt"
	"net/http"

	"github.com/bistro-dev/bistro/internal/auth"
)

// Need is what an operation asks of its caller.
type Need string

// The levels of Need, from none to a platform admin. A workspace role
// allows what every lesser role allows.
const (
	Public   Need = "anyone"    // no sign-in (the operation checks what it must itself)
	SignedIn Need = "signed in" // any person or token; the operation limits what it shows
	Viewer   Need = "viewer"    // a viewer of the workspace, or more
	Operator Need = "operator"  // runs flows and handles runs
	Builder  Need = "builder"   // builds flows and connections
	Owner    Need = "owner"     // manages the workspace's members
	Admin    Need = "platform admin"
)

// Access is the authorisation matrix: what every operation needs, by
// operation id. It is the one place access rules live: every request goes
// through authorize with its operation's id, an operation missing here is
// refused (and fails TestAccessMatrixCoversEveryRoute), and
// docs/access.md is generated from it.
var Access = map[string]Need{
	"health": Public, "ready": Public, "call-webhook": Public,
	"get-setup": Public, "setup": Public, "sign-in": Public, "complete-password-reset": Public,
	"sso-start": Public, "sso-callback": Public,

	"get-me": SignedIn, "sign-out": SignedIn, "sign-out-everywhere": SignedIn, "change-password": SignedIn,
	"list-tokens": SignedIn, "create-token": SignedIn, "revoke-token": SignedIn, "list-workspaces": SignedIn,
	"list-notifications": SignedIn, "read-notification": SignedIn,

	"list-flows": Viewer, "get-flow": Viewer, "list-flow-versions": Viewer, "get-flow-version": Viewer,
	"list-runs": Viewer, "get-run": Viewer, "list-dead-letters": Viewer, "get-dead-letter": Viewer,
	"list-connections": Viewer, "get-connection": Viewer, "list-connectors": Viewer, "get-connector": Viewer,

	"start-run": Operator, "cancel-run": Operator, "rerun-run": Operator,
	"replay-dead-letter": Operator, "delete-dead-letter": Operator,

	"apply-flow": Builder, "validate-flow": Builder, "enable-flow": Builder, "disable-flow": Builder,
	"delete-flow": Builder, "create-connection": Builder, "put-connection": Builder,
	"delete-connection": Builder, "test-connection": Builder,
	"list-connector-requests": Builder, "create-connector-request": Builder, "list-reviews": Builder,

	"list-members": Owner, "set-member": Owner, "remove-member": Owner,

	"list-audit": Admin, "export-audit": Admin, "create-workspace": Admin,
	"list-users": Admin, "create-user": Admin, "get-user": Admin, "update-user": Admin,
	"deactivate-user": Admin, "reactivate-user": Admin, "reset-password": Admin,
	"approve-review": Admin, "request-changes": Admin, "get-review-settings": Admin, "put-review-settings": Admin,
	"get-policy": Admin, "put-policy": Admin,
	"list-quotas": Admin, "set-quota": Admin,
	"get-inventory": Admin, "export-inventory": Admin, "set-flow-owner": Admin,
	"get-catalogue": Admin, "set-connector-status": Admin, "answer-connector-request": Admin,
}

// authorize decides whether the caller may run the operation.
func authorize(c Caller, operationID string) *Problem {
	need, ok := Access[operationID]
	switch {
	case !ok:
		return newProblem(http.StatusForbidden, "", "this operation is not in the access rules, so nobody may use it")
	case need == Public || need == SignedIn:
		return nil
	case need == Admin:
		if c.Principal.Admin() {
			return nil
		}
		return newProblem(http.StatusForbidden, "", "only platform admins may do this")
	case c.Workspace == "":
		return newProblem(http.StatusForbidden, "", "you are not a member of any workspace yet; ask a workspace owner or an admin to add you")
	case auth.Rank(c.Role) >= auth.Rank(string(need)):
		return nil
	case c.Role == "":
		return newProblem(http.StatusForbidden, "", fmt.Sprintf("you are not a member of workspace '%s'", c.Workspace))
	}
	return newProblem(http.StatusForbidden, "", fmt.Sprintf("this needs the role %s in workspace '%s'; %s is not allowed to do this",
		need, c.Workspace, roleName(c)))
}

func roleName(c Caller) string {
	if c.Principal.Token != nil {
		return "this API token (" + c.Role + ")"
	}
	return "your role (" + c.Role + ")"
}

// Needs is the operations' needs in the order of the matrix's levels, for
// docs/access.md.
var Needs = []Need{Public, SignedIn, Viewer, Operator, Builder, Owner, Admin}
