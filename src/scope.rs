//! Where templates linted without `[deployment]` deploy to, read from the inputs themselves.
//!
//! Offline, `subscription()` and `resourceGroup()` give placeholders, so a template's own
//! resources get ids in a made-up group. Cato's HA deployment is two steps: the primary's
//! template creates the VNET and the identity, and the secondary's parameters name them by
//! their full ids, in the real subscription and group. Linted together, those ids and the
//! template's placeholder ids name the same resources, yet did not join: the secondary's
//! subnets looked like other subnets and its identity like another identity. When literal ids
//! in the inputs name resources the templates address in the placeholder group, and they all
//! agree on one subscription and group, that is where the templates deploy; when they
//! disagree, nothing is assumed.

use std::collections::HashSet;

use memchr::memmem;

/// A resource id in a resource group, found in a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupId<'t> {
    pub subscription: &'t str,
    pub group: &'t str,
    /// From `providers/` on, as written.
    pub rest: &'t str,
    /// The id's byte range in the text.
    pub start: usize,
    pub end: usize,
}

/// Every id of the form `/subscriptions/S/resourceGroups/G/providers/...` in `text`.
pub fn group_ids(text: &str) -> impl Iterator<Item = GroupId<'_>> {
    memmem::find_iter(text.as_bytes(), b"/subscriptions/").filter_map(move |start| {
        let end = text[start..]
            .find(|c: char| matches!(c, '"' | '\'' | '\\') || c.is_ascii_whitespace())
            .map_or(text.len(), |n| start + n);
        let id = &text[start..end];
        let mut parts = id[1..].splitn(5, '/');
        let (_, subscription, rg, group, rest) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        if !rg.eq_ignore_ascii_case("resourceGroups")
            || group.is_empty()
            || !rest
                .get(..10)
                .is_some_and(|p| p.eq_ignore_ascii_case("providers/"))
        {
            return None;
        }
        Some(GroupId {
            subscription,
            group,
            rest: rest.trim_end_matches('/'),
            start,
            end,
        })
    })
}

/// Whether `s` is a subscription id Azure could give (a GUID, not the placeholder).
fn real_subscription(s: &str, placeholder: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
        && !s.eq_ignore_ascii_case(placeholder)
}

/// Whether `s` can be a resource group's name (1-90 letters, digits, `_-.()`, not ending in a
/// period): the placeholders of documentation (`{rg}`, `<group>`) cannot.
fn real_group(s: &str) -> bool {
    (1..=90).contains(&s.len())
        && !s.ends_with('.')
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '(' | ')'))
}

/// The placeholder scope the templates were expanded in.
pub struct Placeholder<'p> {
    pub subscription: &'p str,
    pub group: &'p str,
}

/// The scope literal ids give, and the first id that gave it.
#[derive(Debug, PartialEq, Eq)]
pub struct Found {
    pub subscription: String,
    pub group: String,
    /// Which text (index into those searched) and the id's byte range in it.
    pub text: usize,
    pub start: usize,
    pub end: usize,
}

/// The subscription and group that literal ids in `texts` give to the resources `expanded`
/// (the templates' expansions) address in the placeholder scope: `None` when no literal id
/// names one of them, or when two name them in different scopes.
pub fn infer(expanded: &[&str], texts: &[&str], placeholder: &Placeholder<'_>) -> Option<Found> {
    let addressed: HashSet<String> = expanded
        .iter()
        .flat_map(|t| group_ids(t))
        .filter(|id| {
            id.subscription
                .eq_ignore_ascii_case(placeholder.subscription)
                && id.group.eq_ignore_ascii_case(placeholder.group)
        })
        .map(|id| id.rest.to_ascii_lowercase())
        .collect();
    if addressed.is_empty() {
        return None;
    }
    let mut found: Option<Found> = None;
    let mut key = String::new();
    for (n, text) in texts.iter().enumerate() {
        for id in group_ids(text) {
            if !real_subscription(id.subscription, placeholder.subscription)
                || !real_group(id.group)
            {
                continue;
            }
            key.clear();
            key.push_str(id.rest);
            key.make_ascii_lowercase();
            if !addressed.contains(&key) {
                continue;
            }
            match &found {
                None => {
                    found = Some(Found {
                        subscription: id.subscription.to_string(),
                        group: id.group.to_string(),
                        text: n,
                        start: id.start,
                        end: id.end,
                    })
                }
                Some(f) => {
                    if !f.subscription.eq_ignore_ascii_case(id.subscription)
                        || !f.group.eq_ignore_ascii_case(id.group)
                    {
                        return None;
                    }
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZERO: &str = "00000000-0000-0000-0000-000000000000";
    const SUB: &str = "3f2c1a9e-8b7d-4c6e-9a1f-2d5e8c7b6a40";

    fn placeholder() -> Placeholder<'static> {
        Placeholder {
            subscription: ZERO,
            group: "RG",
        }
    }

    fn id(sub: &str, rg: &str, rest: &str) -> String {
        format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{rest}")
    }

    #[test]
    fn ids_in_strings_and_symbols() {
        let text = format!(
            r#"{{"id": "{}", "x": "reference('{}', 'Full')", "s": "/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/r"}}"#,
            id(SUB, "rg-a", "Microsoft.Network/virtualNetworks/v"),
            id(ZERO, "rg", "microsoft.network/networkinterfaces/nic"),
        );
        let ids: Vec<_> = group_ids(&text)
            .map(|i| (i.subscription, i.group, i.rest))
            .collect();
        assert_eq!(
            ids,
            [
                (SUB, "rg-a", "providers/Microsoft.Network/virtualNetworks/v"),
                (
                    ZERO,
                    "rg",
                    "providers/microsoft.network/networkinterfaces/nic"
                ),
            ]
        );
    }

    #[test]
    fn literal_ids_naming_placeholder_resources_give_the_scope() {
        let expanded = format!(
            r#"{{"subnet": {{"id": "{}"}}}}"#,
            id(
                ZERO,
                "RG",
                "Microsoft.Network/virtualNetworks/v/subnets/lan"
            )
        );
        let params = format!(
            r#"{{"lanSubnetId": {{"value": "{}"}}}}"#,
            id(
                SUB,
                "rg-cato",
                "Microsoft.Network/virtualNetworks/V/subnets/LAN"
            )
        );
        let found = infer(&[&expanded], &[&expanded, &params], &placeholder()).unwrap();
        assert_eq!(
            (found.subscription.as_str(), found.group.as_str()),
            (SUB, "rg-cato")
        );
        assert_eq!(found.text, 1);
        assert_eq!(
            &params[found.start..found.end],
            id(
                SUB,
                "rg-cato",
                "Microsoft.Network/virtualNetworks/V/subnets/LAN"
            )
        );
    }

    #[test]
    fn nothing_is_assumed_when_ids_disagree_or_name_nothing_addressed() {
        let expanded = format!(
            r#"["{}", "{}"]"#,
            id(ZERO, "RG", "Microsoft.Network/virtualNetworks/v"),
            id(ZERO, "RG", "Microsoft.Network/networkInterfaces/n"),
        );
        let two = format!(
            r#"["{}", "{}"]"#,
            id(SUB, "rg-a", "Microsoft.Network/virtualNetworks/v"),
            id(SUB, "rg-b", "Microsoft.Network/networkInterfaces/n"),
        );
        assert_eq!(infer(&[&expanded], &[&two], &placeholder()), None);
        let other = format!(
            r#"["{}"]"#,
            id(SUB, "rg-a", "Microsoft.Network/virtualNetworks/w")
        );
        assert_eq!(infer(&[&expanded], &[&other], &placeholder()), None);
        // Documentation placeholders are not a scope.
        let docs = format!(
            r#"["{}", "{}"]"#,
            id(
                "{subscription-id}",
                "rg-a",
                "Microsoft.Network/virtualNetworks/v"
            ),
            id(SUB, "<group>", "Microsoft.Network/virtualNetworks/v"),
        );
        assert_eq!(infer(&[&expanded], &[&docs], &placeholder()), None);
    }
}
