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

use std::collections::{HashMap, HashSet};

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

/// Every id of the form `/subscriptions/S/resourceGroups/G/providers/...` that starts a
/// string in `text` (after `"`, or `'` inside a template expression): not one a comment
/// mentions.
pub fn group_ids(text: &str) -> impl Iterator<Item = GroupId<'_>> {
    memmem::find_iter(text.as_bytes(), b"/subscriptions/").filter_map(move |start| {
        let quoted = start > 0 && matches!(text.as_bytes()[start - 1], b'"' | b'\'');
        if quoted {
            group_id_at(text, start)
        } else {
            None
        }
    })
}

/// The id that starts at `start` in `text`, up to the end of its string.
pub fn group_id_at(text: &str, start: usize) -> Option<GroupId<'_>> {
    let end = text[start..]
        .find(|c: char| matches!(c, '"' | '\'' | '\\') || c.is_ascii_whitespace())
        .map_or(text.len(), |n| start + n);
    let id = &text[start..end];
    let mut parts = id.get(1..)?.splitn(5, '/');
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
    /// The subscription is the one the configuration gives, not a placeholder: ids in it are
    /// real, and ids in any other name other resources.
    pub given_subscription: bool,
    /// The group is the one the configuration gives: ids of the templates' own resources in
    /// any other group name other resources.
    pub given_group: bool,
}

/// The scope literal ids give, and the first id that gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub subscription: String,
    /// `None` when the ids name only resources in groups the templates name themselves
    /// (`resourceId('rg-net', ...)`): they tell the subscription alone.
    pub group: Option<String>,
    /// Which text (index into those searched) and the id's byte range in it.
    pub text: usize,
    pub start: usize,
    pub end: usize,
}

/// For each template, the subscription and group that literal ids give to the resources its
/// expansion addresses in the placeholder scope, with the first such id (`text` indexes
/// `expanded` then `others`). Ids in the templates' expansions (their parameter values and
/// literals) are asked first, other inputs (exports, role assignment lists) only when those
/// name none; ids of one kind that disagree give the template nothing. Ids in `external`
/// (lower case) and their children are not read. A template whose own
/// resources no id names (the secondary's, in Cato's two-step deployment) takes the scope the
/// others were given, when they were all given one.
pub fn infer_each(
    expanded: &[&str],
    others: &[&str],
    external: &HashSet<String>,
    placeholder: &Placeholder<'_>,
) -> Vec<Option<Found>> {
    // What follows `providers/` in each template's placeholder ids, and the group when the
    // template names it.
    let addressed: Vec<HashSet<(String, Option<String>)>> = expanded
        .iter()
        .map(|text| {
            group_ids(text)
                .filter(|id| {
                    id.subscription
                        .eq_ignore_ascii_case(placeholder.subscription)
                })
                .map(|id| {
                    let group = (!id.group.eq_ignore_ascii_case(placeholder.group))
                        .then(|| id.group.to_ascii_lowercase());
                    (id.rest.to_ascii_lowercase(), group)
                })
                .collect()
        })
        .collect();
    let wanted: HashSet<&str> = addressed
        .iter()
        .flatten()
        .map(|(rest, _)| rest.as_str())
        .collect();
    if wanted.is_empty() {
        return vec![None; expanded.len()];
    }
    // Literal ids of what the templates address, by what follows `providers/`: every other id
    // of a large export is passed over without keeping it.
    let mut literal: HashMap<String, Vec<Found>> = HashMap::new();
    let mut key = String::new();
    for (n, text) in expanded.iter().chain(others).enumerate() {
        for id in group_ids(text) {
            key.clear();
            key.push_str(id.rest);
            key.make_ascii_lowercase();
            if !wanted.contains(key.as_str())
                || !(if placeholder.given_subscription {
                    // In the given subscription, the placeholder group is the templates' own.
                    id.subscription
                        .eq_ignore_ascii_case(placeholder.subscription)
                        && !id.group.eq_ignore_ascii_case(placeholder.group)
                } else {
                    real_subscription(id.subscription, placeholder.subscription)
                })
                || !real_group(id.group)
            {
                continue;
            }
            // A template's reference to a resource outside its export (`az group export`'s
            // `_externalid` parameters) or to a child of one, though named like its own: the
            // reference, and the resource itself among the other inputs.
            if is_external(&text[id.start..id.end], external) {
                continue;
            }
            literal.entry(key.clone()).or_default().push(Found {
                subscription: id.subscription.to_string(),
                group: Some(id.group.to_string()),
                text: n,
                start: id.start,
                end: id.end,
            });
        }
    }
    let own: Vec<Evidence> = addressed
        .iter()
        .map(|addressed| {
            let named: Vec<Named<'_>> = addressed
                .iter()
                .filter_map(|(rest, group)| Some((literal.get(rest)?, group)))
                .flat_map(|(found, group)| {
                    found.iter().filter_map(move |f| match group {
                        // In the templates' own group: the id gives the group too (when
                        // the configuration does not give it; then only ids in that group).
                        None => (!placeholder.given_group
                            || f.group
                                .as_deref()
                                .is_some_and(|fg| fg.eq_ignore_ascii_case(placeholder.group)))
                        .then_some((f, true)),
                        // In a group the template names: the subscription alone.
                        Some(g) => f
                            .group
                            .as_deref()
                            .is_some_and(|fg| fg.eq_ignore_ascii_case(g))
                            .then_some((f, false)),
                    })
                })
                .collect();
            let (templates, inputs): (Vec<Named<'_>>, Vec<Named<'_>>) = named
                .into_iter()
                .partition(|(f, _)| f.text < expanded.len());
            match agreed(&templates) {
                Evidence::Nothing => agreed(&inputs),
                decided => decided,
            }
        })
        .collect();
    let given: Vec<Named<'_>> = own
        .iter()
        .filter_map(|e| match e {
            Evidence::Scope(f) => Some((f, f.group.is_some())),
            _ => None,
        })
        .collect();
    let shared = match agreed(&given) {
        Evidence::Scope(f) => Some(f),
        _ => None,
    };
    own.into_iter()
        .map(|e| match e {
            Evidence::Scope(f) => Some(f),
            Evidence::Nothing => shared.clone(),
            Evidence::Disagree => None,
        })
        .collect()
}

/// Whether `id` is one of the `external` ids (lower case) or the id of a child of one.
fn is_external(id: &str, external: &HashSet<String>) -> bool {
    if external.is_empty() {
        return false;
    }
    let id = id.trim_end_matches('/').to_ascii_lowercase();
    id.match_indices('/')
        .map(|(at, _)| &id[..at])
        .chain(std::iter::once(id.as_str()))
        .any(|prefix| external.contains(prefix))
}

/// An id that names a resource a template addresses, and whether it gives the group (or the
/// subscription alone).
type Named<'f> = (&'f Found, bool);

/// What a set of ids says about a scope.
enum Evidence {
    Nothing,
    /// One subscription (and one group, where ids gave a group): at the first id in input
    /// order that gave the group, else the first.
    Scope(Found),
    Disagree,
}

/// What ids say together: each with whether it gives the group or the subscription alone.
fn agreed(ids: &[Named<'_>]) -> Evidence {
    let Some(&(first, _)) = ids.iter().min_by_key(|(f, _)| (f.text, f.start)) else {
        return Evidence::Nothing;
    };
    // The note points at the id the group was read from, when one gives it.
    let giver = ids
        .iter()
        .filter(|(_, gives)| *gives)
        .min_by_key(|(f, _)| (f.text, f.start))
        .map(|&(f, _)| f);
    let group = giver.and_then(|f| f.group.clone());
    let same_subscription = ids
        .iter()
        .all(|(f, _)| f.subscription.eq_ignore_ascii_case(&first.subscription));
    let same_group = ids.iter().filter(|(_, gives)| *gives).all(|(f, _)| {
        f.group.as_deref().map(str::to_ascii_lowercase)
            == group.as_deref().map(str::to_ascii_lowercase)
    });
    if same_subscription && same_group {
        Evidence::Scope(Found {
            group,
            ..giver.unwrap_or(first).clone()
        })
    } else {
        Evidence::Disagree
    }
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
            given_subscription: false,
            given_group: false,
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
        let primary = format!(
            r#"{{"subnet": {{"id": "{}"}}}}"#,
            id(
                ZERO,
                "RG",
                "Microsoft.Network/virtualNetworks/v/subnets/lan"
            )
        );
        let secondary = format!(
            r#"{{"subnet": {{"id": "{}"}}, "nic": "{}"}}"#,
            id(
                SUB,
                "rg-cato",
                "Microsoft.Network/virtualNetworks/V/subnets/LAN"
            ),
            id(
                ZERO,
                "RG",
                "Microsoft.Network/networkInterfaces/lanSecondary"
            )
        );
        let found = infer_each(
            &[&primary, &secondary],
            &[],
            &HashSet::new(),
            &placeholder(),
        );
        let first = found[0].clone().unwrap();
        assert_eq!(
            (
                first.subscription.as_str(),
                first.group.as_deref().unwrap_or_default()
            ),
            (SUB, "rg-cato")
        );
        assert_eq!(first.text, 1);
        assert_eq!(
            &secondary[first.start..first.end],
            id(
                SUB,
                "rg-cato",
                "Microsoft.Network/virtualNetworks/V/subnets/LAN"
            )
        );
        // The secondary's own resources no id names: it takes the scope the primary was given.
        assert_eq!(found[1], Some(first));
    }

    #[test]
    fn template_ids_come_before_other_inputs_and_comments_are_not_ids() {
        let primary = format!(
            r#"["{}"]"#,
            id(ZERO, "RG", "Microsoft.Network/virtualNetworks/v")
        );
        let params = format!(
            "{{\n  // once in rg-old: {}\n  \"vnet\": \"{}\"}}",
            id(SUB, "rg-old", "Microsoft.Network/virtualNetworks/v"),
            id(SUB, "rg-cato", "Microsoft.Network/virtualNetworks/v"),
        );
        let staging = format!(
            r#"[{{"scope": "{}"}}]"#,
            id(SUB, "rg-stg", "Microsoft.Network/virtualNetworks/v")
        );
        let found = infer_each(
            &[&primary, &params],
            &[&staging],
            &HashSet::new(),
            &placeholder(),
        );
        assert_eq!(
            found[0].as_ref().and_then(|f| f.group.as_deref()),
            Some("rg-cato")
        );
        // Other inputs decide when the templates name nothing.
        let found = infer_each(&[&primary], &[&staging], &HashSet::new(), &placeholder());
        assert_eq!(
            found[0].as_ref().and_then(|f| f.group.as_deref()),
            Some("rg-stg")
        );
    }

    #[test]
    fn external_ids_of_a_group_export_are_not_the_templates_group() {
        // `az group export`: the template declares identity `id`; the secondary VM names an
        // identity of that name in another group by an `_externalid` parameter. The exported
        // identity, among the other inputs, is the template's own.
        let template = format!(
            r#"{{"own": "{}", "vm": {{"identities": {{"{}": {{}}}}}}}}"#,
            id(
                ZERO,
                "RG",
                "Microsoft.ManagedIdentity/userAssignedIdentities/id"
            ),
            id(
                SUB,
                "rg-shared",
                "Microsoft.ManagedIdentity/userAssignedIdentities/id"
            ),
        );
        let export = format!(
            r#"[{{"id": "{}"}}]"#,
            id(
                SUB,
                "rg-cato",
                "Microsoft.ManagedIdentity/userAssignedIdentities/ID"
            )
        );
        let external: HashSet<String> = [id(
            SUB,
            "rg-shared",
            "Microsoft.ManagedIdentity/userAssignedIdentities/id",
        )
        .to_ascii_lowercase()]
        .into();
        let group = |external: &HashSet<String>| {
            infer_each(&[&template], &[&export], external, &placeholder())[0]
                .as_ref()
                .and_then(|f| f.group.clone())
        };
        assert_eq!(group(&HashSet::new()).as_deref(), Some("rg-shared"));
        assert_eq!(group(&external).as_deref(), Some("rg-cato"));
        // A child of an external resource is external too.
        let vnet = id(SUB, "rg-dr", "Microsoft.Network/virtualNetworks/v").to_ascii_lowercase();
        let external: HashSet<String> = [vnet.clone()].into();
        assert!(is_external(&format!("{vnet}/subnets/LAN"), &external));
        assert!(is_external(&vnet.to_uppercase(), &external));
        assert!(!is_external(&format!("{vnet}2/subnets/lan"), &external));
    }

    #[test]
    fn ids_in_a_group_the_template_names_give_the_subscription_alone() {
        // The VNET in the network team's group: `resourceId('rg-net', ...)` in the template.
        let template = format!(
            r#"["{}", "{}"]"#,
            id(
                ZERO,
                "rg-net",
                "Microsoft.Network/virtualNetworks/v/subnets/lan"
            ),
            id(ZERO, "RG", "Microsoft.Network/networkInterfaces/lan"),
        );
        let params = format!(
            r#"["{}"]"#,
            id(
                SUB,
                "RG-NET",
                "Microsoft.Network/virtualNetworks/v/subnets/lan"
            )
        );
        let found = infer_each(&[&template, &params], &[], &HashSet::new(), &placeholder());
        let f = found[0].clone().unwrap();
        assert_eq!((f.subscription.as_str(), f.group), (SUB, None));
        // Another group of that name elsewhere is not this one.
        let other = format!(
            r#"["{}"]"#,
            id(
                SUB,
                "rg-other",
                "Microsoft.Network/virtualNetworks/v/subnets/lan"
            )
        );
        assert_eq!(
            infer_each(&[&template, &other], &[], &HashSet::new(), &placeholder())[0],
            None
        );
        // With an id of the template's own group after it, the group comes from that id, and
        // so does where the note points.
        let params = format!(
            r#"["{}", "{}"]"#,
            id(
                SUB,
                "RG-NET",
                "Microsoft.Network/virtualNetworks/v/subnets/lan"
            ),
            id(SUB, "rg-cato", "Microsoft.Network/networkInterfaces/lan"),
        );
        let f = infer_each(&[&template, &params], &[], &HashSet::new(), &placeholder())[0]
            .clone()
            .unwrap();
        assert_eq!(f.group.as_deref(), Some("rg-cato"));
        assert_eq!(
            &params[f.start..f.end],
            id(SUB, "rg-cato", "Microsoft.Network/networkInterfaces/lan")
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
        assert_eq!(
            infer_each(&[&expanded], &[&two], &HashSet::new(), &placeholder()),
            [None]
        );
        let other = format!(
            r#"["{}"]"#,
            id(SUB, "rg-a", "Microsoft.Network/virtualNetworks/w")
        );
        assert_eq!(
            infer_each(&[&expanded], &[&other], &HashSet::new(), &placeholder()),
            [None]
        );
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
        assert_eq!(
            infer_each(&[&expanded], &[&docs], &HashSet::new(), &placeholder()),
            [None]
        );
        // Two sites in two groups: each template its own; one no id names, neither.
        let ams = format!(
            r#"["{}"]"#,
            id(ZERO, "RG", "Microsoft.Network/virtualNetworks/ams")
        );
        let fra = format!(
            r#"["{}"]"#,
            id(ZERO, "RG", "Microsoft.Network/virtualNetworks/fra")
        );
        let lone = format!(
            r#"["{}"]"#,
            id(ZERO, "RG", "Microsoft.Network/networkInterfaces/x")
        );
        let params = format!(
            r#"["{}", "{}"]"#,
            id(SUB, "rg-ams", "Microsoft.Network/virtualNetworks/ams"),
            id(SUB, "rg-fra", "Microsoft.Network/virtualNetworks/fra"),
        );
        let found = infer_each(
            &[&ams, &fra, &lone, &params],
            &[],
            &HashSet::new(),
            &placeholder(),
        );
        let groups: Vec<Option<&str>> = found
            .iter()
            .map(|f| f.as_ref().and_then(|f| f.group.as_deref()))
            .collect();
        assert_eq!(groups, [Some("rg-ams"), Some("rg-fra"), None, None]);
    }
}
