//! Role assignments: who holds which built-in role where.

use std::borrow::Cow;

use azlint_inventory::{id_key, is_expression_text, symbol, DocId, Inventory, Lookup, ResIdx};
use azlint_source::KeySet;

use crate::ROLE_ASSIGNMENT;

pub const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
pub const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
pub const USER_ACCESS_ADMINISTRATOR: &str = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
/// Role Based Access Control Administrator: the role-assignment writes Contributor lacks.
pub const RBAC_ADMINISTRATOR: &str = "f58310d9-a9f6-439a-9e8d-f62e7b41a168";
pub const VM_CONTRIBUTOR: &str = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c";
pub const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
pub const NETWORK_CONTRIBUTOR: &str = "4d97b98b-1d4f-4787-a291-c67834d212e7";

/// One role assignment, normalised: ids in lower case, the role as its GUID.
#[derive(Clone, Debug)]
pub struct RoleAssignment {
    pub res: ResIdx,
    pub principal_id: String,
    pub principal_type: String,
    /// The role definition's GUID (the trailing segment of `roleDefinitionId`).
    pub role: String,
    /// The scope in lower case.
    pub scope: String,
}

/// All role assignments of the inputs, indexed by scope.
#[derive(Debug, Default)]
pub struct Roles {
    pub assignments: Vec<RoleAssignment>,
    /// Role assignments of templates whose principal, role or scope is known only after
    /// deployment (a name that is, in the nested form of extension resources, hides the
    /// scope), in input order: who holds which role where cannot be told in full. Each with
    /// its scope's expression (absolute) where it is read, which may rule resources out.
    unplaced: Vec<(ResIdx, Option<String>)>,
    /// Whether some assignments are as Azure has them (`az role assignment list`, Resource
    /// Graph), not only those a template will create.
    pub deployed: bool,
    /// The templates that declare role assignments: what they deploy has its roles in the
    /// inputs even when no deployed assignment is.
    templates_with_roles: Vec<DocId>,
    by_scope: foldhash::HashMap<String, Vec<usize>>,
    /// The subscriptions (lower case, sorted) that the scopes and ids of the assignments as
    /// Azure has them name: `az role assignment list --all` lists one subscription's.
    deployed_subscriptions: Vec<String>,
    /// Assignments at management-group scope.
    management_groups: Vec<usize>,
    /// The GUIDs (lower case, sorted) of the custom roles among the inputs (`az role
    /// definition list --custom-role-only true`, templates) whose permissions include creating
    /// role assignments.
    custom_assigners: Vec<String>,
    /// The GUIDs (lower case, sorted) of every role definition among the inputs.
    defined: Vec<String>,
}

/// The action that creating a role assignment needs (what Contributor's `notActions` take
/// away, and what Owner, User Access Administrator and Role Based Access Control
/// Administrator grant).
const WRITE_ROLE_ASSIGNMENTS: &str = "Microsoft.Authorization/roleAssignments/write";

/// Whether an action pattern of a role definition (`*`, `Microsoft.Authorization/*`,
/// `*/write`: `*` stands for any text, case does not matter) covers `action`.
fn action_matches(pattern: &str, action: &str) -> bool {
    let pattern = pattern.trim().to_ascii_lowercase();
    let action = action.to_ascii_lowercase();
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = action.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        // No `*`: the whole action.
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Whether `s` has the form of a GUID as Azure writes them (`8-4-4-4-12` hexadecimal digits).
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Whether a role definition (its properties, or the flattened CLI form) lets its holders
/// create role assignments: an `actions` pattern of one of its permissions covers the write
/// that `notActions` of the same permission does not take away.
fn assigns_roles(inv: &Inventory, def: ResIdx) -> bool {
    // PowerShell's `Get-AzRoleDefinition` writes one block's `Actions` and `NotActions` on
    // the definition itself.
    let blocks: Vec<azlint_source::Value<'_>> = match inv.prop(def, &["permissions"]) {
        Lookup::Found(permissions) => permissions.elements().collect(),
        _ => match inv.prop(def, &["actions"]) {
            Lookup::Found(_) => vec![inv.value(def)],
            _ => Vec::new(),
        },
    };
    let patterns = |p: azlint_source::Value<'_>, key: &str| -> Vec<String> {
        p.get_ignore_case(key)
            .map(|list| {
                list.elements()
                    .filter_map(|a| a.as_str().map(Cow::into_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    blocks.into_iter().any(|p| {
        let covers = |key: &str| {
            patterns(p, key)
                .iter()
                .any(|a| action_matches(a, WRITE_ROLE_ASSIGNMENTS))
        };
        covers("actions") && !covers("notActions")
    })
}

/// The subscription id of a key or scope in lower case (`/subscriptions/<id>/...`).
fn subscription_of(key: &str) -> Option<&str> {
    key.strip_prefix("/subscriptions/")?
        .split('/')
        .next()
        .filter(|s| !s.is_empty())
}

fn text(l: Lookup<'_>) -> Option<Cow<'_, str>> {
    match l {
        Lookup::Found(v) => v.as_str(),
        _ => None,
    }
}

/// The principal a template's `reference(identity).principalId` stands for, when the inputs
/// hold that identity as exported (created beforehand, or linted next to its template): its
/// `principalId`.
fn exported_principal(inv: &Inventory, symbol: &str) -> Option<String> {
    let id = symbol
        .strip_prefix("[reference('")?
        .strip_suffix("', 'full').properties.principalid]")?;
    let identity = inv.get(id)?;
    if inv.document_of(identity).is_template() {
        return None;
    }
    match inv.prop(identity, &["principalId"]) {
        Lookup::Found(p) => p.as_str().map(|p| p.trim().to_ascii_lowercase()),
        _ => None,
    }
}

/// What reading a role assignment finds.
enum Read {
    /// Its principal, role and scope.
    Placed(RoleAssignment),
    /// A template's assignment whose scope is known only at deployment: `scope` is the
    /// expression of the id it names, whose known parts may still say which resource it is.
    ByExpression(RoleAssignment),
    /// It lacks a principal, a role or a scope.
    Unread,
}

/// A role assignment's scope written as an expression, as an absolute id: a template's
/// extension resource names a resource of its own group by `<type>/<name>`.
fn absolute_scope(expression: &str) -> Option<String> {
    let inner = expression
        .trim()
        .strip_prefix('[')?
        .strip_suffix(']')?
        .trim();
    match azlint_arm::text::known_start(expression)? {
        '/' => Some(expression.trim().to_lowercase()),
        _ => Some(format!(
            "[concat('/subscriptions/', subscription().subscriptionid, '/resourcegroups/', resourcegroup().name, '/providers/', {})]",
            inner.to_lowercase()
        )),
    }
}

/// Places an assignment of template `doc` whose scope is an expression (`scope`, absolute) at
/// the resource of that template whose id it certainly is (`ids`: each template resource's id
/// and key, by document). `None` when there is none: one of another template or export, the
/// resource group, a resource the inputs do not hold, all may be it.
fn place_by_expression(
    ids: &foldhash::HashMap<DocId, Vec<(String, String)>>,
    doc: DocId,
    scope: &str,
) -> Option<String> {
    ids.get(&doc)?
        .iter()
        .find(|(id, _)| azlint_arm::text::compare(scope, id, true) == Some(true))
        .map(|(_, key)| key.clone())
}

/// Whether an assignment of template `assignment` scoped by the expression `scope` (absolute)
/// may grant a role on `res`. Not when the scope is a resource's (its known text holds
/// `/providers/`, and not a management group's) that is known to be neither `res` nor one of
/// its parents: a role granted on a resource reaches that resource and its children only.
fn may_grant_on(inv: &Inventory, assignment: ResIdx, scope: &str, res: ResIdx) -> bool {
    let Some(canonical) = azlint_arm::text::canonical(scope) else {
        return true;
    };
    if !canonical.contains("/providers/") || canonical.contains("/providers/microsoft.management/")
    {
        return true;
    }
    let file = inv.document_of(assignment).file;
    let mut at = Some(res);
    while let Some(r) = at {
        let Some(id) = inv.id(r) else {
            return true;
        };
        let one_template = inv.document_of(r).file == file;
        if azlint_arm::text::compare(scope, &id, one_template) != Some(false) {
            return true;
        }
        at = inv.resource(r).parent;
    }
    false
}

/// Reads one role assignment.
fn assignment(inv: &Inventory, res: ResIdx) -> Read {
    let Some(mut a) = assignment_as_written(inv, res) else {
        return Read::Unread;
    };
    if !a.scope.starts_with('[') {
        return Read::Placed(a);
    }
    match absolute_scope(&a.scope) {
        Some(scope) => {
            a.scope = scope;
            Read::ByExpression(a)
        }
        None => Read::Unread,
    }
}

/// Reads one role assignment as written; `None` when it lacks a principal, a role or a
/// scope. A scope known only at deployment is its expression.
fn assignment_as_written(inv: &Inventory, res: ResIdx) -> Option<RoleAssignment> {
    // PowerShell's `Get-AzRoleAssignment` writes the principal as `ObjectId` and its type as
    // `ObjectType`, and the role definition as its bare GUID.
    const KEYS: KeySet<6> = KeySet::new([
        "principalId",
        "roleDefinitionId",
        "scope",
        "principalType",
        "objectId",
        "objectType",
    ]);
    let [principal, definition, scope, principal_type, object_id, object_type] =
        inv.props(res, &KEYS);
    let principal = match principal {
        Lookup::Absent => object_id,
        other => other,
    };
    let principal_type = match principal_type {
        Lookup::Absent => object_type,
        other => other,
    };
    // Before deployment a principal is a symbol ("the principal of identity X"), which the
    // identity's own evaluated principalId shares.
    let doc = inv.document_of(res);
    let principal = symbol(doc, &principal)
        .map(|s| exported_principal(inv, &s).unwrap_or(s))
        .map(Cow::Owned)
        .or_else(|| text(principal))?;
    let definition = text(definition)?;
    // `az role assignment list` gives `scope`; otherwise it is the id before
    // `/providers/Microsoft.Authorization/roleAssignments/...`.
    // In a template `scope` sits next to `properties`, not in them.
    let scope = match scope {
        Lookup::Absent => inv.top(res, &["scope"]),
        other => other,
    };
    // A scope known only at deployment: the id, which the template's evaluation gave without
    // it, does not say where the assignment is; the expression may.
    let scope = match scope {
        Lookup::Unknown(u) => match u.at.and_then(|v| v.as_str()) {
            Some(e) if is_expression_text(&e) => Lookup::Found(u.at?),
            _ => return None,
        },
        other => other,
    };
    let scope = text(scope).map(|s| id_key(&s)).or_else(|| {
        let id = inv.id(res)?;
        let lower = id.to_ascii_lowercase();
        let cut = lower.find("/providers/microsoft.authorization/roleassignments/")?;
        Some(id_key(&id[..cut]))
    })?;
    Some(RoleAssignment {
        res,
        principal_id: principal.trim().to_ascii_lowercase(),
        // `Get-AzRoleAssignment` writes `Unknown` when it cannot read the directory: as good
        // as no type at all.
        principal_type: text(principal_type)
            .filter(|t| !t.trim().eq_ignore_ascii_case("Unknown"))
            .map(Cow::into_owned)
            .unwrap_or_default(),
        role: definition
            .trim()
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase(),
        scope,
    })
}

impl Roles {
    pub fn collect(inv: &Inventory) -> Roles {
        // Assignments are independent: read them in parallel (in input order), each in one
        // pass over its properties. Large exports hold one or more per vSocket NIC.
        let read = inv.map_resources(inv.of_type(ROLE_ASSIGNMENT), |res| assignment(inv, res));
        // The templates with assignments scoped by an expression: their resources' ids, read
        // once, in one pass.
        let mut docs: Vec<DocId> = inv
            .of_type(ROLE_ASSIGNMENT)
            .iter()
            .zip(&read)
            .filter(|(_, r)| matches!(r, Read::ByExpression(_)))
            .map(|(&res, _)| inv.resource(res).place.doc)
            .collect();
        docs.sort_unstable();
        docs.dedup();
        let mut ids: foldhash::HashMap<DocId, Vec<(String, String)>> = Default::default();
        if !docs.is_empty() {
            for r in 0..inv.len() as ResIdx {
                let doc = inv.resource(r).place.doc;
                if docs.binary_search(&doc).is_err() {
                    continue;
                }
                if let (Some(id), Some(key)) = (inv.id(r), inv.resource(r).key.as_deref()) {
                    ids.entry(doc).or_default().push((id, key.to_string()));
                }
            }
        }
        let mut assignments: Vec<RoleAssignment> = Vec::new();
        let mut unplaced: Vec<(ResIdx, Option<String>)> = Vec::new();
        for (&res, r) in inv.of_type(ROLE_ASSIGNMENT).iter().zip(read) {
            match r {
                Read::Placed(a) => assignments.push(a),
                Read::ByExpression(mut a) => {
                    let doc = inv.resource(res).place.doc;
                    match place_by_expression(&ids, doc, &a.scope) {
                        Some(scope) => {
                            a.scope = scope;
                            assignments.push(a);
                        }
                        None => unplaced.push((res, Some(a.scope))),
                    }
                }
                Read::Unread if inv.document_of(res).is_template() => unplaced.push((res, None)),
                Read::Unread => {}
            }
        }
        let deployed = assignments
            .iter()
            .any(|a| !inv.document_of(a.res).is_template());
        let mut templates_with_roles: Vec<DocId> = inv
            .of_type(ROLE_ASSIGNMENT)
            .iter()
            .map(|&res| inv.resource(res).place.doc)
            .filter(|&doc| inv.document(doc).is_template())
            .collect();
        templates_with_roles.sort_unstable();
        templates_with_roles.dedup();
        let mut by_scope: foldhash::HashMap<String, Vec<usize>> = Default::default();
        for (i, a) in assignments.iter().enumerate() {
            by_scope
                .entry(a.scope.trim_end_matches('/').to_string())
                .or_default()
                .push(i);
        }
        let management_groups = assignments
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                a.scope
                    .starts_with("/providers/microsoft.management/managementgroups/")
            })
            .map(|(i, _)| i)
            .collect();
        let mut deployed_subscriptions: Vec<String> = assignments
            .iter()
            .filter(|a| !inv.document_of(a.res).is_template())
            .flat_map(|a| [Some(a.scope.as_str()), inv.resource(a.res).key.as_deref()])
            .flatten()
            .filter_map(subscription_of)
            .map(str::to_string)
            .collect();
        deployed_subscriptions.sort_unstable();
        deployed_subscriptions.dedup();
        // The GUID ends the id (`.../roleDefinitions/GUID`, or PowerShell's bare GUID) and is
        // the CLI's `name` (PowerShell's `Name` is the role's name).
        let guid = |def: ResIdx| {
            let name = inv.name(def).and_then(|n| n.as_str()).map(Cow::into_owned);
            [inv.id(def), name].into_iter().flatten().find_map(|text| {
                let last = text.trim().trim_end_matches('/').rsplit('/').next()?;
                is_guid(last).then(|| last.to_ascii_lowercase())
            })
        };
        let definitions = inv.of_type(crate::ROLE_DEFINITION);
        let mut custom_assigners: Vec<String> = definitions
            .iter()
            .filter(|&&def| assigns_roles(inv, def))
            .filter_map(|&def| guid(def))
            .collect();
        custom_assigners.sort_unstable();
        custom_assigners.dedup();
        let mut defined: Vec<String> = definitions.iter().filter_map(|&def| guid(def)).collect();
        defined.sort_unstable();
        defined.dedup();
        Roles {
            assignments,
            unplaced,
            deployed,
            deployed_subscriptions,
            templates_with_roles,
            by_scope,
            management_groups,
            custom_assigners,
            defined,
        }
    }

    /// Whether what `role` (a GUID) permits is known: one of the built-in roles azlint knows,
    /// or a role defined among the inputs.
    pub fn is_known(&self, role: &str) -> bool {
        [
            OWNER,
            CONTRIBUTOR,
            USER_ACCESS_ADMINISTRATOR,
            RBAC_ADMINISTRATOR,
            VM_CONTRIBUTOR,
            READER,
            NETWORK_CONTRIBUTOR,
        ]
        .contains(&role)
            || self
                .defined
                .binary_search_by(|g| g.as_str().cmp(role))
                .is_ok()
    }

    /// Whether holders of `role` (a role definition's GUID) may create role assignments:
    /// Owner, User Access Administrator, Role Based Access Control Administrator, or a custom
    /// role of the inputs that grants it.
    pub fn may_assign_roles(&self, role: &str) -> bool {
        [OWNER, USER_ACCESS_ADMINISTRATOR, RBAC_ADMINISTRATOR].contains(&role)
            || self
                .custom_assigners
                .binary_search_by(|g| g.as_str().cmp(role))
                .is_ok()
    }

    /// The unplaced role assignments (see [`Roles::unplaced`]) that may grant a role on
    /// `res`: all but those whose scope is known to be a resource other than `res` and its
    /// parents (`Microsoft.Network/networkInterfaces/{0}-lanPrimary` is not the NIC
    /// `{0}-lanSecondary`, nor its group). In input order.
    pub fn unplaced_for<'r>(
        &'r self,
        inv: &'r Inventory,
        res: ResIdx,
    ) -> impl Iterator<Item = ResIdx> + 'r {
        self.unplaced
            .iter()
            .filter(move |(assignment, scope)| match scope {
                Some(scope) => may_grant_on(inv, *assignment, scope, res),
                None => true,
            })
            .map(|&(assignment, _)| assignment)
    }

    /// The subscription of a deployed resource whose subscription no role assignment of the
    /// inputs names, where some name others: the assignments of its subscription were not
    /// exported (`az role assignment list --all` lists the current subscription's only).
    pub fn unexported_subscription<'i>(&self, inv: &'i Inventory, res: ResIdx) -> Option<&'i str> {
        if !self.deployed
            || self.deployed_subscriptions.is_empty()
            || inv.document_of(res).is_template()
        {
            return None;
        }
        let sub = subscription_of(inv.resource(res).key.as_deref()?)?;
        self.deployed_subscriptions
            .binary_search_by(|s| s.as_str().cmp(sub))
            .is_err()
            .then_some(sub)
    }

    /// Whether the inputs include any role assignment at all.
    pub fn exported(&self) -> bool {
        !self.assignments.is_empty() || !self.unplaced.is_empty()
    }

    /// Whether the inputs show the role assignments that may be made on `res`: assignments as
    /// Azure has them (`az role assignment list`), or a template that declares `res` and role
    /// assignments too (its deployment makes them). An export or a template without any
    /// (`az group export`, which never includes them) next to another template's assignments
    /// shows none of those made on its resources.
    pub fn known_for(&self, inv: &Inventory, res: ResIdx) -> bool {
        if self.deployed {
            return true;
        }
        !self.templates_with_roles.is_empty()
            && inv.occurrences(res).any(|o| {
                self.templates_with_roles
                    .binary_search(&o.place.doc)
                    .is_ok()
            })
    }

    /// Assignments whose scope is `key` itself or contains it (a resource group, a
    /// subscription, `/`).
    pub fn covering<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a RoleAssignment> + 'a {
        // The key itself and each ancestor at a segment boundary, up to the root.
        let key = key.trim_end_matches('/');
        let scopes = std::iter::successors(Some(key), |s| s.rfind('/').map(|cut| &s[..cut]));
        // Management groups: exports do not show their hierarchy, but `az role assignment list
        // --include-inherited` lists only those that apply, so each one covers everything.
        scopes
            .flat_map(move |s| self.by_scope.get(s).map(Vec::as_slice).unwrap_or(&[]))
            .chain(self.management_groups.iter())
            .map(move |&i| &self.assignments[i])
    }

    /// Assignments made directly on `key`.
    pub fn on<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a RoleAssignment> + 'a {
        self.by_scope
            .get(key.trim_end_matches('/'))
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(move |&i| &self.assignments[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powershell_assignments_read_like_azs() {
        // Get-AzRoleAssignment | ConvertTo-Json: ObjectId, ObjectType, a bare role GUID; an
        // ObjectType of Unknown (the directory could not be read) says no type.
        let text = r#"[
          {"RoleAssignmentId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Authorization/roleAssignments/a1",
           "Scope": "/subscriptions/s/resourceGroups/g", "RoleDefinitionId": "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
           "ObjectId": "P1", "ObjectType": "ServicePrincipal"},
          {"RoleAssignmentId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Authorization/roleAssignments/a2",
           "Scope": "/subscriptions/s/resourceGroups/g", "RoleDefinitionId": "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
           "ObjectId": "P2", "ObjectType": "Unknown"}
        ]"#;
        let inv = Inventory::from_texts(&[("roles.json", text)]).expect("test JSON");
        let roles = Roles::collect(&inv);
        let read: Vec<(&str, &str, &str)> = roles
            .on("/subscriptions/s/resourcegroups/g")
            .map(|a| {
                (
                    a.principal_id.as_str(),
                    a.principal_type.as_str(),
                    a.role.as_str(),
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                (
                    "p1",
                    "ServicePrincipal",
                    "9980e02c-c2be-4d73-94e8-173b1dc7cf3c"
                ),
                ("p2", "", "9980e02c-c2be-4d73-94e8-173b1dc7cf3c"),
            ]
        );
    }

    #[test]
    fn action_patterns_match_as_azure_reads_them() {
        let write = WRITE_ROLE_ASSIGNMENTS;
        for yes in [
            "*",
            "Microsoft.Authorization/*",
            "microsoft.authorization/roleassignments/*",
            "Microsoft.Authorization/*/write",
            "*/write",
            " Microsoft.Authorization/roleAssignments/write ",
            "Microsoft.*/roleAssignments/*",
        ] {
            assert!(action_matches(yes, write), "{yes}");
        }
        for no in [
            "*/read",
            "Microsoft.Authorization/*/read",
            "Microsoft.Authorization/roleAssignments/read",
            "Microsoft.Authorization/roleDefinitions/*",
            "Microsoft.Compute/*",
            "",
            "Microsoft.Authorization/roleAssignments/write/extra",
        ] {
            assert!(!action_matches(no, write), "{no}");
        }
    }

    #[test]
    fn custom_roles_among_the_inputs_may_assign_roles() {
        // `az role definition list --custom-role-only true`: one role that grants role
        // assignments, one whose notActions take them away, one without them.
        let text = r#"[
          {"id": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/C0FFEE00-0000-4000-8000-000000000001",
           "name": "C0FFEE00-0000-4000-8000-000000000001", "type": "Microsoft.Authorization/roleDefinitions",
           "roleName": "Delegator", "roleType": "CustomRole",
           "permissions": [{"actions": ["Microsoft.Authorization/roleAssignments/write"], "notActions": []}]},
          {"id": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/c0ffee00-0000-4000-8000-000000000002",
           "name": "c0ffee00-0000-4000-8000-000000000002", "type": "Microsoft.Authorization/roleDefinitions",
           "roleName": "Almost owner", "roleType": "CustomRole",
           "permissions": [{"actions": ["*"], "notActions": ["Microsoft.Authorization/*/Write"]}]},
          {"id": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/c0ffee00-0000-4000-8000-000000000003",
           "name": "c0ffee00-0000-4000-8000-000000000003", "type": "Microsoft.Authorization/roleDefinitions",
           "roleName": "Network", "roleType": "CustomRole",
           "permissions": [{"actions": ["Microsoft.Network/*"], "notActions": []},
                           {"actions": ["Microsoft.Authorization/*/read"]}]}
        ]"#;
        let inv = Inventory::from_texts(&[("roles.json", text)]).expect("test JSON");
        let roles = Roles::collect(&inv);
        assert!(roles.may_assign_roles("c0ffee00-0000-4000-8000-000000000001"));
        assert!(!roles.may_assign_roles("c0ffee00-0000-4000-8000-000000000002"));
        assert!(!roles.may_assign_roles("c0ffee00-0000-4000-8000-000000000003"));
        assert!(roles.may_assign_roles(OWNER));
        assert!(!roles.may_assign_roles(CONTRIBUTOR));
    }

    #[test]
    fn powershell_role_definitions_read_like_the_clis() {
        // `Get-AzRoleDefinition -Custom | ConvertTo-Json`: no type, the GUID as `Id`, the
        // role's name as `Name`, one block of actions on the definition itself.
        let text = r#"[
          {"Name": "Delegator", "Id": "C0FFEE00-0000-4000-8000-000000000001", "IsCustom": true,
           "Actions": ["Microsoft.Authorization/roleAssignments/*"], "NotActions": [],
           "AssignableScopes": ["/subscriptions/s"]},
          {"Name": "Almost owner", "Id": "c0ffee00-0000-4000-8000-000000000002", "IsCustom": true,
           "Actions": ["*"], "NotActions": ["Microsoft.Authorization/*/Write"],
           "AssignableScopes": ["/subscriptions/s"]}
        ]"#;
        let inv = Inventory::from_texts(&[("definitions.json", text)]).expect("test JSON");
        assert_eq!(inv.of_type(crate::ROLE_DEFINITION).len(), 2);
        let roles = Roles::collect(&inv);
        assert!(roles.may_assign_roles("c0ffee00-0000-4000-8000-000000000001"));
        assert!(!roles.may_assign_roles("c0ffee00-0000-4000-8000-000000000002"));
        assert!(roles.is_known("c0ffee00-0000-4000-8000-000000000002"));
        assert!(!roles.is_known("c0ffee00-0000-4000-8000-000000000003"));
    }
}
