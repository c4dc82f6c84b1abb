//! ARM templates in a run: each is evaluated with its parameters, and the resources it deploys
//! are linted in its place. `azlint expand` prints what a template becomes.
//!
//! The evaluated template is an input document of its own (never shown): rules read it like
//! any export, and their findings are moved back to the template text each value came from,
//! with a secondary label at each parameter value it was computed from.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use azlint_arm::emit::{emit, Emitted, Form};
use azlint_arm::template::{problem_span, ParamFrom, ParamSource};
use azlint_arm::{Deployment, Expanded, Inputs, Val};
use azlint_diagnostics::{input, printable, Finding, Label, Severity};
use azlint_inventory::{ingest_evaluated, Ingested, Shape};
use azlint_source::{FileId, Files, SourceFile, Span, Tree, Value};
use rayon::prelude::*;

use crate::check::Outcome;
use crate::cli::{ExpandArgs, TemplateArgs};
use crate::config::Config;
use crate::scope;

/// Where the values of evaluated templates came from, to move findings back.
#[derive(Default)]
pub struct Evaluated {
    maps: HashMap<FileId, Mapping>,
}

struct Mapping {
    template: FileId,
    emitted: Emitted,
    params: Vec<ParamSource>,
    /// The file of each parameter file given to the evaluation, by its index there.
    param_files: Vec<FileId>,
    /// The text of resources whose `condition` is unknown: they may not be deployed.
    conditional: Vec<(u32, u32)>,
    /// The texts of the evaluated template, the template and its parameter files: a label at
    /// a parameter's value narrows to the one entry of an array or object that a finding's
    /// value came from.
    sources: HashMap<FileId, Arc<SourceFile>>,
}

/// A template's own parameter file: an input already parsed, or one read for it.
enum ParamFile {
    Input(usize),
    Loaded((FileId, Arc<SourceFile>, Tree)),
}

/// Values from outside the template: parameter files, `-p`, the configuration.
struct Given {
    files: Vec<(FileId, Arc<SourceFile>, Tree)>,
    command_line: Vec<(String, Val)>,
    config: Vec<(String, Val)>,
    deployment: Deployment,
}

/// Evaluates the templates among `ingested`; their resources are replaced by the evaluated
/// ones. Returns findings (expression errors, unreadable parameter files) and the mapping.
pub fn evaluate(
    ingested: &mut Vec<Ingested>,
    files: &mut Files,
    args: &TemplateArgs,
    config: &Config,
) -> (Vec<Finding>, Evaluated) {
    let mut findings = Vec::new();
    let mut evaluated = Evaluated::default();
    let templates: Vec<usize> = (0..ingested.len())
        .filter(|&i| ingested[i].document.shape == Shape::Template)
        .collect();
    // (Parameter files with no template among the inputs stay silent: a pre-commit hook given
    // the one file a commit changed lints that file alone.)
    if templates.is_empty() {
        return (findings, evaluated);
    }
    let explicit: Vec<(FileId, Arc<SourceFile>, Tree)> = args
        .parameter_files
        .iter()
        .filter_map(|p| load_json(p, files, &mut findings))
        .collect();
    let (command_line, bad) = command_line_values(&args.parameters);
    for message in bad {
        eprintln!("azlint: warning: {message}");
    }
    let config_values = config_values(config);
    let deployment = deployment(config);

    // Parameter files among the inputs, by name.
    let by_name: HashMap<String, usize> = ingested
        .iter()
        .enumerate()
        .filter(|(_, d)| d.document.shape == Shape::Parameters)
        .map(|(i, d)| (d.document.source.name.clone(), i))
        .collect();

    // Each template's parameter files: the explicit ones, else its conventional one, read
    // where it already is when it is an input.
    let mut conventional: Vec<Option<ParamFile>> = Vec::new();
    for &t in &templates {
        if !explicit.is_empty() {
            conventional.push(None);
            continue;
        }
        let name = &ingested[t].document.source.name;
        let found = conventional_name(name).and_then(|candidate| {
            if let Some(&i) = by_name.get(&candidate) {
                return Some(ParamFile::Input(i));
            }
            let path = PathBuf::from(&candidate);
            path.is_file()
                .then(|| load_json(&path, files, &mut findings))
                .flatten()
                .map(ParamFile::Loaded)
        });
        conventional.push(found);
    }
    // A parameter file among the inputs that no template's name claims: with one template and
    // no `--parameters`, that template's (`azlint check main.json prod.json`, as
    // `az deployment group create --template-file main.json --parameters prod.json`);
    // otherwise azlint cannot tell whose it is, and says so.
    let claimed: Vec<usize> = conventional
        .iter()
        .filter_map(|c| match c {
            Some(ParamFile::Input(i)) => Some(*i),
            _ => None,
        })
        .collect();
    let unclaimed: Vec<usize> = (0..ingested.len())
        .filter(|i| ingested[*i].document.shape == Shape::Parameters && !claimed.contains(i))
        .collect();
    match (
        explicit.is_empty(),
        conventional.as_mut_slice(),
        unclaimed.as_slice(),
    ) {
        (true, [only @ None], &[file]) => *only = Some(ParamFile::Input(file)),
        _ => findings.extend(unused_parameter_files(ingested, &unclaimed, args)),
    }

    let given = Given {
        files: explicit,
        command_line,
        config: config_values,
        deployment,
    };
    let each = Each {
        ingested,
        templates: &templates,
        conventional: &conventional,
        given: &given,
    };
    let mut results = each.expand(&vec![given.deployment.clone(); templates.len()]);
    // Where the templates deploy, when the configuration does not say and the inputs do.
    let mut scope_from = Vec::new();
    // When it gives one of the two, the ids may still give the other.
    let configured = (
        config.deployment.subscription_id.is_some(),
        config.deployment.resource_group.is_some(),
    );
    if configured != (true, true) {
        (results, scope_from) = each.in_scope_of_inputs(results, configured);
    }
    for name in given.command_line.iter().map(|(n, _)| n) {
        let declared = templates.iter().any(|&t| {
            declared_parameters(ingested[t].document.root())
                .iter()
                .any(|d| d.eq_ignore_ascii_case(name))
        });
        if !declared {
            eprintln!("azlint: warning: -p {name}: no template declares a parameter `{name}`");
        }
    }

    for from in &scope_from {
        if let At::Input(file, start, end) = from.at {
            findings.push(from.note(Label::new(file, Span::new(start as u32, end as u32))));
        }
    }
    for (k, (&t, (x, emitted, param_files, undeclared))) in
        templates.iter().zip(results).enumerate()
    {
        let template = ingested[t].document.file;
        let source = ingested[t].document.source.clone();
        findings.extend(undeclared);
        for p in &x.problems {
            findings.push(problem_finding(template, &source, p));
        }
        for p in &x.skipped {
            findings.push(
                Finding::new(
                    input::INCOMPLETE,
                    Severity::Warning,
                    p.message.clone(),
                    Label::new(template, p.span).with_message("not read"),
                )
                .with_help("lint the linked template as well: pass its file (and its parameter file) to azlint, or compile the deployment into one template (`az bicep build` inlines local modules)"),
            );
        }
        let mut emitted = emitted;
        let name = format!("{} (evaluated)", source.name);
        let text = std::mem::take(&mut emitted.text);
        let evaluated_source = Arc::new(SourceFile::new(name, text));
        let Ok(tree) = evaluated_source.parse() else {
            continue;
        };
        let id = files.add_internal(evaluated_source.clone());
        for from in scope_from
            .iter()
            .filter(|f| matches!(f.at, At::Expansion(n) if n == k))
        {
            if let Some(start) = evaluated_source.text().find(from.id.as_str()) {
                let span = Span::new(start as u32, (start + from.id.len()) as u32);
                findings.push(from.note(Label::new(id, span)));
            }
        }
        let doc = ingest_evaluated(id, evaluated_source, tree, &x, &mut emitted);
        let conditional = doc.document.conditional.to_vec();
        ingested[t].resources.clear();
        ingested.push(doc);
        evaluated.maps.insert(
            id,
            Mapping {
                template,
                emitted,
                params: x.params,
                sources: param_files
                    .iter()
                    .chain([&template, &id])
                    .map(|&f| (f, files.get(f).clone()))
                    .collect(),
                param_files,
                conditional,
            },
        );
    }
    (findings, evaluated)
}

/// The templates of a run, with what each is evaluated with.
struct Each<'r> {
    ingested: &'r [Ingested],
    templates: &'r [usize],
    conventional: &'r [Option<ParamFile>],
    given: &'r Given,
}

/// A template evaluated: its expansion, the expansion written out, its parameter files and
/// their problems.
type Expansion = (Expanded, Emitted, Vec<FileId>, Vec<Finding>);

impl Each<'_> {
    /// Every template evaluated for its deployment (`deployments`, in the templates' order),
    /// in parallel.
    fn expand(&self, deployments: &[Deployment]) -> Vec<Expansion> {
        let given = self.given;
        let one_template = self.templates.len() == 1;
        self.templates
            .par_iter()
            .zip(self.conventional.par_iter())
            .zip(deployments.par_iter())
            .map(|((&t, conv), deployment)| {
                let doc = &self.ingested[t].document;
                let mut inputs = Inputs {
                    command_line: &given.command_line,
                    config: &given.config,
                    ..Inputs::default()
                };
                let mut param_files = Vec::new();
                for (id, source, tree) in &given.files {
                    inputs.files.push(tree.root(source.text()));
                    param_files.push(*id);
                }
                match conv {
                    Some(ParamFile::Input(i)) => {
                        let d = &self.ingested[*i].document;
                        inputs.files.push(d.root());
                        param_files.push(d.file);
                    }
                    Some(ParamFile::Loaded((id, source, tree))) => {
                        inputs.files.push(tree.root(source.text()));
                        param_files.push(*id);
                    }
                    None => {}
                }
                // Files given with `--parameters` apply to every template of the run: only with
                // one template is a parameter it does not declare a mistake.
                let own_from = if one_template { 0 } else { given.files.len() };
                let undeclared = parameter_file_problems(
                    doc,
                    &inputs.files,
                    &param_files,
                    own_from,
                    &given.command_line,
                );
                let x = azlint_arm::expand(doc.root(), &inputs, deployment.clone());
                let e = emit(&x, Form::Template, azlint_arm::SCHEMA);
                (x, e, param_files, undeclared)
            })
            .collect()
    }

    /// The values of the templates' `<type>_<name>_externalid` parameters (ids in lower case):
    /// `az group export` names by these the resources outside the exported group that its
    /// resources refer to, so they say nothing about where the templates deploy (an identity
    /// in another group named like the template's own is another identity). Their defaults,
    /// and their values in the parameter files.
    fn external_ids(&self) -> HashSet<String> {
        let mut out = HashSet::new();
        let mut read = |params: Option<Value<'_>>, key: &str| {
            let Some(params) = params else { return };
            for (name, p) in params.members() {
                let external = name.as_str().is_some_and(|n| is_external_parameter(&n));
                if let Some(id) = external
                    .then(|| p.get_ignore_case(key))
                    .flatten()
                    .and_then(|v| v.as_str())
                {
                    out.insert(id.trim().trim_end_matches('/').to_ascii_lowercase());
                }
            }
        };
        for (&t, conv) in self.templates.iter().zip(self.conventional) {
            read(
                self.ingested[t]
                    .document
                    .root()
                    .get_ignore_case("parameters"),
                "defaultValue",
            );
            match conv {
                Some(ParamFile::Input(i)) => read(
                    self.ingested[*i]
                        .document
                        .root()
                        .get_ignore_case("parameters"),
                    "value",
                ),
                Some(ParamFile::Loaded((_, source, tree))) => read(
                    tree.root(source.text()).get_ignore_case("parameters"),
                    "value",
                ),
                None => {}
            }
        }
        for (_, source, tree) in &self.given.files {
            read(
                tree.root(source.text()).get_ignore_case("parameters"),
                "value",
            );
        }
        // Parameter files among the inputs (not found by name next to a template), `-p` and
        // the configuration's `[parameters]`.
        for d in self
            .ingested
            .iter()
            .filter(|d| d.document.shape == Shape::Parameters)
        {
            read(d.document.root().get_ignore_case("parameters"), "value");
        }
        for (name, value) in self.given.command_line.iter().chain(&self.given.config) {
            if let (true, Val::Str(id)) = (is_external_parameter(name), value) {
                out.insert(id.trim().trim_end_matches('/').to_ascii_lowercase());
            }
        }
        out
    }

    /// The templates evaluated again, each in the subscription and group that the inputs'
    /// literal ids give it (see [`scope`]), with where each scope was read. A template keeps
    /// its first evaluation when the ids give it none. A resource it deploys that another
    /// input exports is then one resource in two occurrences, and the rules check both.
    fn in_scope_of_inputs(
        &self,
        first: Vec<Expansion>,
        (given_subscription, given_group): (bool, bool),
    ) -> (Vec<Expansion>, Vec<ScopeFrom>) {
        // The scope the templates were expanded in: placeholders, but for what the
        // configuration gives.
        let placeholder = &self.given.deployment;
        let expanded: Vec<&str> = first.iter().map(|r| r.1.text.as_str()).collect();
        let others: Vec<&Ingested> = self
            .ingested
            .iter()
            .filter(|d| d.document.shape != Shape::Template)
            .collect();
        let other_texts: Vec<&str> = others.iter().map(|d| d.document.source.text()).collect();
        let external = self.external_ids();
        let found = scope::infer_each(
            &expanded,
            &other_texts,
            &external,
            &scope::Placeholder {
                subscription: &placeholder.subscription_id,
                group: placeholder.resource_group.as_deref().unwrap_or_default(),
                given_subscription,
                given_group,
            },
        );
        if found.iter().all(Option::is_none) {
            return (first, Vec::new());
        }
        let deployments: Vec<Deployment> = found
            .iter()
            .map(|f| {
                let mut d = self.given.deployment.clone();
                if let Some(f) = f {
                    // `subscription().subscriptionId` is the GUID in lower case, however an
                    // id writes it.
                    if !given_subscription {
                        d.subscription_id = f.subscription.to_ascii_lowercase();
                    }
                    if let (Some(group), false) = (&f.group, given_group) {
                        d.resource_group = Some(group.clone());
                        d.group_from_id = true;
                    }
                }
                d
            })
            .collect();
        let again = self.expand(&deployments);
        // One note for each scope, at the first id that gave it.
        let mut used: Vec<&scope::Found> = found.iter().flatten().collect();
        used.sort_by_key(|f| (f.text, f.start));
        let mut notes: Vec<ScopeFrom> = Vec::new();
        let mut seen: Vec<(String, Option<String>)> = Vec::new();
        for f in used {
            let key = (
                f.subscription.to_lowercase(),
                f.group.as_deref().map(str::to_lowercase),
            );
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let text = if f.text < expanded.len() {
                expanded[f.text]
            } else {
                other_texts[f.text - expanded.len()]
            };
            let id = text[f.start..f.end].to_string();
            notes.push(ScopeFrom {
                at: match f.text.checked_sub(expanded.len()) {
                    Some(n) => At::Input(others[n].document.file, f.start, f.end),
                    None => At::Expansion(f.text),
                },
                id,
                subscription: f.subscription.clone(),
                group: f.group.clone(),
            });
        }
        let results = first
            .into_iter()
            .zip(again)
            .zip(&found)
            .map(|((before, after), f)| if f.is_some() { after } else { before })
            .collect();
        (results, notes)
    }
}

/// Whether a parameter is one `az group export` writes for a resource outside the export
/// (`<type>_<name>_externalid`).
fn is_external_parameter(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with("_externalid")
}

/// A scope the templates were given, and the id it was read from.
struct ScopeFrom {
    at: At,
    id: String,
    subscription: String,
    /// `None` when the ids gave the subscription alone.
    group: Option<String>,
}

/// Where an id is: in another input (its file and byte range), or in a template's expansion
/// (the template's number; the id is found again in the final expansion).
enum At {
    Input(FileId, usize, usize),
    Expansion(usize),
}

impl ScopeFrom {
    /// The note that says where the templates were taken to deploy, at the id that says so.
    fn note(&self, label: Label) -> Finding {
        let subscription = &self.subscription;
        let (message, label_message) = match &self.group {
            Some(group) => (
                format!(
                    "the templates do not say where they deploy, and this id names a resource \
                     they refer to in their own resource group: they are linted as deployed to \
                     resource group `{group}` of subscription `{subscription}`"
                ),
                "the templates' resource group, read from here",
            ),
            None => (
                format!(
                    "the templates do not say which subscription they deploy to, and this id \
                     names a resource they refer to in a group they name: they are linted as \
                     deployed to subscription `{subscription}`"
                ),
                "the templates' subscription, read from here",
            ),
        };
        Finding::new(
            input::DEPLOYMENT_SCOPE,
            Severity::Note,
            message,
            label.with_message(label_message),
        )
        .with_help(
            "to lint them for another group, set `subscription-id` and `resource-group` in the \
             `[deployment]` table of azlint.toml",
        )
    }
}

/// Within an array or object written at `span`, the one scalar written exactly as `value` (the
/// entry of a parameter's list that a finding's value came from); `span` itself when there is
/// none or more than one.
fn narrow(source: &SourceFile, span: azlint_source::Span, value: &str) -> azlint_source::Span {
    use azlint_source::Kind;
    let Some(text) = source.text().get(span.range()) else {
        return span;
    };
    if !text.starts_with(['{', '[']) {
        return span;
    }
    let Ok(tree) = Tree::parse(text, 0) else {
        return span;
    };
    let mut found = None;
    let mut count = 0;
    let mut todo = vec![tree.root(text)];
    while let Some(v) = todo.pop() {
        match v.kind() {
            Kind::Array => todo.extend(v.elements()),
            Kind::Object => todo.extend(v.members().map(|(_, v)| v)),
            _ if v.source_text() == value => {
                count += 1;
                found = Some(v.span());
            }
            _ => {}
        }
    }
    match found {
        Some(s) if count == 1 => azlint_source::Span::new(span.start + s.start, span.start + s.end),
        _ => span,
    }
}

/// The parameters a template declares.
fn declared_parameters(template: azlint_source::Value<'_>) -> Vec<String> {
    template
        .get_ignore_case("parameters")
        .map(|p| {
            p.members()
                .filter_map(|(k, _)| k.as_str().map(|k| k.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// What Azure rejects in a template's parameter files (`roots`, in the order they apply,
/// `files` their ids): a parameter the template does not declare ("not present in the
/// original template"; with a misspelt name, the value the user meant is not the one checked),
/// in the files from `own_from` on, which belong to this template alone; and a value of
/// another type than declared, where it is the value that applies (no `-p` and no later file
/// gives the parameter).
fn parameter_file_problems(
    template: &azlint_inventory::Document,
    roots: &[azlint_source::Value<'_>],
    files: &[FileId],
    own_from: usize,
    command_line: &[(String, Val)],
) -> Vec<Finding> {
    let declared = declared_parameters(template.root());
    let given_in = |root: &azlint_source::Value<'_>, name: &str| {
        root.get_ignore_case("parameters")
            .is_some_and(|p| p.get_ignore_case(name).is_some())
    };
    let mut out = Vec::new();
    for (i, (root, &file)) in roots.iter().zip(files).enumerate() {
        let Some(given) = root.get_ignore_case("parameters") else {
            continue;
        };
        for (key, entry) in given.members() {
            let Some(name) = key.as_str() else {
                continue;
            };
            if let Some(decl) = template
                .root()
                .get_ignore_case("parameters")
                .and_then(|p| p.get_ignore_case(&name))
            {
                let applies = !command_line
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case(&name))
                    && !roots[i + 1..].iter().any(|later| given_in(later, &name));
                if applies {
                    out.extend(
                        mistyped(decl, entry, &name, file)
                            .or_else(|| not_allowed(decl, entry, &name, file)),
                    );
                }
                continue;
            }
            if i < own_from {
                continue;
            }
            let listed = if declared.is_empty() {
                "it declares none".to_string()
            } else {
                format!(
                    "it declares {}",
                    declared
                        .iter()
                        .map(|d| format!("`{d}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            out.push(
                Finding::new(
                    input::TEMPLATE_ERROR,
                    Severity::Error,
                    format!(
                        "the parameter file gives `{}`, which the template `{}` does not declare: Azure rejects the deployment (and if the name is misspelt, the parameter meant keeps its default here)",
                        printable(&name),
                        printable(&template.source.name)
                    ),
                    Label::new(file, key.span()).with_message("not a parameter of the template"),
                )
                .with_help(format!("fix the name or remove it ({listed})")),
            );
        }
    }
    out
}

/// A parameter file's value whose JSON type is not the declared one: Azure rejects the
/// deployment ("Template parameter JToken type is not valid"), and the template's expressions
/// that read it would fail where it is used, far from the value at fault.
fn mistyped(
    decl: azlint_source::Value<'_>,
    entry: azlint_source::Value<'_>,
    name: &str,
    file: FileId,
) -> Option<Finding> {
    use azlint_source::Kind;
    let declared = decl
        .get_ignore_case("type")?
        .as_str()?
        .trim()
        .to_ascii_lowercase();
    let value = entry.get_ignore_case("value")?;
    if azlint_arm::template::fits(&azlint_arm::template::plain(value), &declared) {
        return None;
    }
    let given = match value.kind() {
        Kind::Null => "null",
        Kind::Bool => "a bool",
        Kind::Number => "a number",
        Kind::String => "a string",
        Kind::Array => "an array",
        Kind::Object => "an object",
    };
    Some(
        Finding::new(
            input::TEMPLATE_ERROR,
            Severity::Error,
            format!(
                "the parameter file gives `{}` {given}, but the template declares it `{declared}`: Azure rejects the deployment",
                printable(name)
            ),
            Label::new(file, value.span()).with_message(format!("not {declared}")),
        )
        .with_help(format!("give `{}` a value of type {declared}", printable(name))),
    )
}

/// A parameter file's value that the parameter's `allowedValues` do not list: Azure rejects
/// the deployment when it validates the parameters. Strings are compared ignoring case, and only
/// single values (strings, numbers, bools) are checked.
fn not_allowed(
    decl: azlint_source::Value<'_>,
    entry: azlint_source::Value<'_>,
    name: &str,
    file: FileId,
) -> Option<Finding> {
    use azlint_arm::Val;
    let allowed = decl
        .get_ignore_case("allowedValues")
        .filter(|a| a.is_array())?;
    let value = entry.get_ignore_case("value")?;
    let given = azlint_arm::template::plain(value);
    let same = |a: &Val| match (a, &given) {
        (Val::Str(a), Val::Str(b)) => a.eq_ignore_ascii_case(b),
        (Val::Int(a), Val::Int(b)) => a == b,
        (Val::Bool(a), Val::Bool(b)) => a == b,
        _ => false,
    };
    if !matches!(given, Val::Str(_) | Val::Int(_) | Val::Bool(_))
        || allowed
            .elements()
            .any(|a| same(&azlint_arm::template::plain(a)))
    {
        return None;
    }
    let listed: Vec<String> = allowed
        .elements()
        .take(12)
        .map(|a| printable(a.source_text().trim()))
        .collect();
    Some(
        Finding::new(
            input::TEMPLATE_ERROR,
            Severity::Error,
            format!(
                "the parameter file gives `{}` a value its `allowedValues` do not list: Azure rejects the deployment",
                printable(name)
            ),
            Label::new(file, value.span()).with_message("not an allowed value"),
        )
        .with_help(format!(
            "give `{}` one of {}{}",
            printable(name),
            listed.join(", "),
            if allowed.elements().count() > listed.len() { ", ..." } else { "" }
        )),
    )
}

fn problem_finding(
    template: FileId,
    source: &SourceFile,
    p: &azlint_arm::template::Problem,
) -> Finding {
    let span = problem_span(p, source.text());
    if p.deployment {
        return Finding::new(
            input::TEMPLATE_ERROR,
            Severity::Error,
            p.message.clone(),
            Label::new(template, span).with_message("closes the cycle"),
        )
        .with_help("remove the dependency that is not needed: a resource must be deployable after all those it depends on");
    }
    Finding::new(
        input::TEMPLATE_ERROR,
        Severity::Error,
        format!("this template expression cannot be evaluated: {}", p.message),
        Label::new(template, span).with_message("fails here"),
    )
    .with_help("fix the expression (`azlint expand FILE` shows what the template becomes): Azure rejects a deployment whose expressions fail, and azlint cannot check the values that depend on this one")
}

/// A warning for each parameter file among the inputs that no template uses (`unclaimed` by
/// any one's name, and not given with `--parameters` as well): its values apply to nothing.
fn unused_parameter_files(
    ingested: &[Ingested],
    unclaimed: &[usize],
    args: &TemplateArgs,
) -> Vec<Finding> {
    let given: Vec<String> = args
        .parameter_files
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    unclaimed
        .iter()
        .copied()
        .filter(|&i| !given.contains(&ingested[i].document.source.name))
        .map(|i| {
            let d = &ingested[i].document;
            Finding::new(
                input::UNRECOGNISED,
                Severity::Warning,
                "this parameter file applies to no template among the inputs, so its values are not used".to_string(),
                Label::new(d.file, d.root().span()).with_message("not applied"),
            )
            .with_help("give it with --parameters FILE, or name it after its template (TEMPLATE.parameters.json next to TEMPLATE.json); with one template among the inputs, one other parameter file is that template's")
        })
        .collect()
}

/// `dir/NAME.json` -> `dir/NAME.parameters.json`.
fn conventional_name(template: &str) -> Option<String> {
    let stem = template
        .strip_suffix(".json")
        .or_else(|| template.strip_suffix(".jsonc"))?;
    Some(format!("{stem}.parameters.json"))
}

/// Reads and parses a JSON file that is not a linted input (a template for `expand`, a
/// parameter file): problems become findings.
fn load_json(
    path: &Path,
    files: &mut Files,
    findings: &mut Vec<Finding>,
) -> Option<(FileId, Arc<SourceFile>, Tree)> {
    let name = path.display().to_string();
    match azlint_source::read_path(path, name.clone()) {
        Ok(source) => {
            let source = Arc::new(source);
            let id = files.add(source.clone());
            match source.parse() {
                Ok(tree) => Some((id, source, tree)),
                Err(e) => {
                    findings.push(crate::inputs::parse_error(id, &source, &e));
                    None
                }
            }
        }
        Err(e) => {
            let id = files.add(Arc::new(SourceFile::new(name, String::new())));
            findings.push(
                Finding::new(
                    input::UNREADABLE,
                    Severity::Error,
                    e.message,
                    Label::whole_file(id),
                )
                .input_error(),
            );
            None
        }
    }
}

/// `-p name=value`: the value as JSON when it is JSON, else as a string.
fn command_line_values(raw: &[String]) -> (Vec<(String, Val)>, Vec<String>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for p in raw {
        match p.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => {
                let v = serde_json::from_str::<serde_json::Value>(value)
                    .map(|j| Val::from_serde(&j))
                    .unwrap_or_else(|_| Val::str(value));
                out.push((name.trim().to_string(), v));
            }
            _ => bad.push(format!("`-p {p}` is not NAME=VALUE; ignored")),
        }
    }
    (out, bad)
}

fn config_values(config: &Config) -> Vec<(String, Val)> {
    config
        .parameters
        .iter()
        .map(|(k, v)| {
            let j = serde_json::to_value(v).unwrap_or(serde_json::Value::Null);
            (k.clone(), Val::from_serde(&j))
        })
        .collect()
}

fn deployment(config: &Config) -> Deployment {
    let mut d = Deployment::default();
    let c = &config.deployment;
    if let Some(s) = &c.subscription_id {
        d.subscription_id = s.clone();
    }
    if let Some(s) = &c.tenant_id {
        d.tenant_id = s.clone();
    }
    if let Some(s) = &c.resource_group {
        d.resource_group = Some(s.clone());
    }
    if let Some(s) = &c.location {
        d.location = s.clone();
    }
    if let Some(s) = &c.deployment_name {
        d.name = s.clone();
    }
    d
}

impl Evaluated {
    /// Moves every label in an evaluated template back to the template (and adds where the
    /// deciding parameter value is). Labels elsewhere are left as they are.
    pub fn remap(&self, findings: &mut [Finding]) {
        if self.maps.is_empty() {
            return;
        }
        for f in findings {
            let unknown = f.cannot_tell;
            self.conditional(f);
            // The parameters behind the values it points at, and behind those its secondary
            // labels show (a role assignment's `roleDefinitionId` from a parameter file).
            let mut extra = self.label(&mut f.primary);
            for l in &mut f.secondary {
                extra.extend(self.label(l));
            }
            if let Some(at) = f.suppression.as_mut().and_then(|s| s.at.as_mut()) {
                self.label(at);
            }
            // A "cannot tell" says what is unknown; the values that are known (a parameter's
            // default, a parameter file's value) are not its cause. A finding that is a note
            // only because its resource's condition is unknown keeps them.
            if unknown {
                continue;
            }
            for p in extra {
                if !f.secondary.contains(&p) {
                    f.secondary.push(p);
                }
            }
        }
    }

    /// Moves a label in an evaluated template back to the template text its value came from.
    pub fn place(&self, l: &mut Label) {
        self.label(l);
    }

    /// A finding on a resource that is deployed only if an unknown `condition` holds cannot be
    /// told: it becomes a "cannot tell" note.
    fn conditional(&self, f: &mut Finding) {
        if f.cannot_tell || f.is_input_error {
            return;
        }
        let (Some(m), Some(span)) = (self.maps.get(&f.primary.file), f.primary.span) else {
            return;
        };
        if m.conditional
            .iter()
            .any(|(s, e)| *s <= span.start && span.end <= *e)
        {
            f.cannot_tell = true;
            f.severity = Severity::Note;
            f.message = format!(
                "if this resource is deployed (its `condition` is unknown before deployment): {}",
                f.message
            );
        }
    }

    /// Moves one label; returns labels at the parameter values behind it (every parameter
    /// read to compute it: any of them may be the one at fault), else at the variable it came
    /// from.
    fn label(&self, l: &mut Label) -> Vec<Label> {
        let Some(m) = self.maps.get(&l.file) else {
            return Vec::new();
        };
        let origin = l.span.and_then(|s| m.emitted.origin_of(s));
        // The value the finding points at, as the evaluated template writes it (a scalar).
        let value = l
            .span
            .and_then(|s| m.sources.get(&l.file)?.text().get(s.range()))
            .filter(|t| !t.starts_with(['{', '[']))
            .map(str::to_string);
        l.file = m.template;
        let Some(origin) = origin else {
            return Vec::new();
        };
        l.span = Some(origin.span);
        if origin.params.is_empty() {
            return origin
                .var
                .filter(|v| *v != origin.span)
                .map(|v| Label::new(m.template, v).with_message("from this variable"))
                .into_iter()
                .collect();
        }
        // Each parameter, then those its value was computed from (a module's parameter, then
        // what the parent passed it from: its own parameter file, say).
        let mut labels = Vec::new();
        let mut seen = Vec::new();
        let mut todo: Vec<u32> = origin.params.iter().collect();
        todo.reverse();
        while let Some(i) = todo.pop() {
            if seen.contains(&i) || seen.len() >= MAX_PARAM_LABELS {
                continue;
            }
            seen.push(i);
            let Some(param) = m.params.get(i as usize) else {
                continue;
            };
            let label = match &param.from {
                ParamFrom::File(f, span) => m.param_files.get(*f).map(|file| {
                    Label::new(*file, *span)
                        .with_message(format!("value of parameter `{}`", param.name))
                }),
                ParamFrom::Default(span) if *span != origin.span => Some(
                    Label::new(m.template, *span)
                        .with_message(format!("default of parameter `{}`", param.name)),
                ),
                ParamFrom::Passed(span) if *span != origin.span => Some(
                    Label::new(m.template, *span)
                        .with_message(format!("value passed as parameter `{}`", param.name)),
                ),
                _ => None,
            };
            let label = label.map(|mut l| {
                if let (Some(value), Some(span), Some(source)) =
                    (&value, l.span, m.sources.get(&l.file))
                {
                    l.span = Some(narrow(source, span, value));
                }
                l
            });
            labels.extend(label.filter(|l| !labels.contains(l)));
            todo.extend(param.via.iter().collect::<Vec<_>>().into_iter().rev());
        }
        labels
    }
}

/// Most parameter labels one finding gets (a chain of modules, each passing several).
const MAX_PARAM_LABELS: usize = 8;

/// `azlint expand`.
pub fn expand(args: &ExpandArgs) -> Outcome {
    let mut files = Files::new();
    let found = match crate::config::load(&args.config, &mut files) {
        Ok(found) => found,
        Err(invalid) => return print_findings(&invalid.findings, &files, Outcome::Error),
    };
    let mut findings = Vec::new();
    let Some((template, source, tree)) = load_json(&args.template, &mut files, &mut findings)
    else {
        return print_findings(&findings, &files, Outcome::Error);
    };
    let mut param_files: Vec<(FileId, Arc<SourceFile>, Tree)> = args
        .values
        .parameter_files
        .iter()
        .filter_map(|p| load_json(p, &mut files, &mut findings))
        .collect();
    if args.values.parameter_files.is_empty() {
        if let Some(path) = conventional_name(&source.name).map(PathBuf::from) {
            if path.is_file() {
                param_files.extend(load_json(&path, &mut files, &mut findings));
            }
        }
    }
    if !findings.is_empty() {
        return print_findings(&findings, &files, Outcome::Error);
    }
    let (command_line, bad) = command_line_values(&args.values.parameters);
    for message in bad {
        eprintln!("azlint: warning: {message}");
    }
    let config = config_values(&found.config);
    let mut inputs = Inputs {
        command_line: &command_line,
        config: &config,
        ..Inputs::default()
    };
    for (_, s, t) in &param_files {
        inputs.files.push(t.root(s.text()));
    }
    let x = azlint_arm::expand(tree.root(source.text()), &inputs, deployment(&found.config));
    let e = emit(&x, Form::Marked, azlint_arm::SCHEMA);
    if let Err(err) = crate::output::write_report(args.output.as_deref(), &e.text) {
        eprintln!("azlint: error: {err}");
        return Outcome::Error;
    }
    let problems: Vec<Finding> = x
        .problems
        .iter()
        .map(|p| problem_finding(template, &source, p))
        .collect();
    if problems.is_empty() {
        Outcome::Clean
    } else {
        print_findings(&problems, &files, Outcome::Findings)
    }
}

fn print_findings(findings: &[Finding], files: &Files, outcome: Outcome) -> Outcome {
    let mut findings = findings.to_vec();
    azlint_diagnostics::sort_findings(&mut findings, files);
    let text = azlint_report::render_text(&findings, files, azlint_report::TextOptions::default());
    eprint!("{text}");
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventional_parameter_files() {
        assert_eq!(
            conventional_name("t/azuredeploy.json").as_deref(),
            Some("t/azuredeploy.parameters.json")
        );
        assert_eq!(conventional_name("main.yaml"), None);
    }

    #[test]
    fn command_line_values_are_json_or_strings() {
        let (v, bad) = command_line_values(&["n=2".into(), "s=abc".into(), "x".into()]);
        assert!(matches!(v[0].1, Val::Int(2)));
        assert_eq!(v[1].1.as_str(), Some("abc"));
        assert_eq!(bad.len(), 1);
    }
}
