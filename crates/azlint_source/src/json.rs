//! JSON as Azure accepts it, parsed into a compact tree that remembers where every value is.
//!
//! Azure tooling (ARM, the portal's template editor, `az`) reads JSON leniently: `//` and `/* */`
//! comments, trailing commas, literal control characters such as tabs inside strings. azlint must
//! read the same files, and must point at the exact bytes of any value, so it cannot use a plain
//! `serde_json::Value`. It also must read a 360 MB export in a fraction of the time and memory
//! that building a `serde_json::Value` takes, so the tree here is a flat array of 12-byte nodes in
//! document order ("tape"): each node records its kind and byte range in the source, and each
//! container records where its subtree ends, so that skipping a sibling is one jump. Strings are
//! not copied: they are slices of the source, decoded only when they contain escapes.
//!
//! The parser is iterative (an explicit stack), so nesting depth cannot overflow the call stack;
//! depth is still capped at [`MAX_DEPTH`] because no Azure document comes close and every later
//! stage may then walk the tree recursively without risk.

use rayon::prelude::*;
use std::borrow::Cow;
use std::fmt;

/// Deepest nesting accepted. ARM itself rejects documents far shallower than this.
pub const MAX_DEPTH: usize = 512;

/// Most nodes one document may have (the node index is stored in 28 bits).
pub const MAX_NODES: usize = (1 << 28) - 1;

/// Largest document accepted: byte offsets are stored in 32 bits.
pub const MAX_LEN: usize = u32::MAX as usize - 1;

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: u32, end: u32) -> Self {
        Span { start, end }
    }
    pub fn len(&self) -> u32 {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// What a node holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

const K_NULL: u32 = 0;
const K_FALSE: u32 = 1;
const K_TRUE: u32 = 2;
const K_NUMBER: u32 = 3;
const K_STRING: u32 = 4;
const K_STRING_ESC: u32 = 5;
const K_ARRAY: u32 = 6;
const K_OBJECT: u32 = 7;
const KIND_BITS: u32 = 4;
const KIND_MASK: u32 = (1 << KIND_BITS) - 1;

/// One value (or object key) of the document.
///
/// `meta` packs the kind in its low four bits; for containers, the high bits hold the index one
/// past the container's last descendant; for object keys without escapes, the
/// [`fold_signature`] of their contents, so that key lookups compare most keys without reading
/// the source.
#[derive(Clone, Copy, Debug)]
struct Node {
    start: u32,
    end: u32,
    meta: u32,
}

impl Node {
    fn tag(&self) -> u32 {
        self.meta & KIND_MASK
    }

    /// For a key without escapes: [`length_signature`] of its contents, from the node alone
    /// (the length from its span, less the quotes; the signature from its meta bits).
    fn key_signature(&self) -> u64 {
        (u64::from(self.end - self.start - 2) << 32) | u64::from(self.meta >> KIND_BITS)
    }
}

/// Why a document could not be read, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset the problem was found at.
    pub offset: u32,
    /// Where the construct that failed began, when that explains more (an unclosed string).
    pub opened_at: Option<u32>,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// A parsed document: the source text and its nodes.
pub struct Tree {
    nodes: Vec<Node>,
}

impl fmt::Debug for Tree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tree({} nodes)", self.nodes.len())
    }
}

impl Tree {
    /// Parses `src`, starting at byte `start` (after a byte-order mark, say).
    pub fn parse(src: &str, start: usize) -> Result<Tree, ParseError> {
        if src.len() > MAX_LEN {
            return Err(ParseError {
                offset: 0,
                opened_at: None,
                message: format!("file is larger than azlint's limit of {} bytes", MAX_LEN),
            });
        }
        if src.len() >= PARALLEL_MIN {
            if let Some(result) = parse_halves(src.as_bytes(), start) {
                return result;
            }
        }
        match Parser::new(src.as_bytes(), start).run()? {
            Run::Done(tree) => Ok(tree),
            // Only a parser told where to stop halts.
            Run::Halted(nodes) => Ok(Tree { nodes }),
        }
    }

    /// The root value. Every tree has one.
    pub fn root<'a>(&'a self, src: &'a str) -> Value<'a> {
        Value {
            src,
            nodes: &self.nodes,
            idx: 0,
        }
    }

    /// Number of nodes (values and keys).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The value at node `idx`, as handed out by [`Value::index`].
    pub fn value<'a>(&'a self, src: &'a str, idx: u32) -> Option<Value<'a>> {
        if (idx as usize) < self.nodes.len() {
            Some(Value {
                src,
                nodes: &self.nodes,
                idx,
            })
        } else {
            None
        }
    }
}

/// What follows a position in a document: see [`Tree::item_after`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum After {
    /// The position is inside a string (or key): it is not in a comment.
    InString,
    /// The next object member (key to end of value) or array element at or after the position,
    /// at the innermost level that contains it.
    Item(Span),
    /// Nothing follows at that level (the end of an object, array or document).
    Nothing,
}

impl Tree {
    /// The item a comment at `offset` speaks about: the member or element that comes next
    /// within the innermost object or array containing `offset`. Used for
    /// `// azlint-ignore` comments, which apply to what follows them.
    pub fn item_after(&self, src: &str, offset: u32) -> After {
        let mut v = self.root(src);
        if offset < v.span().start {
            return After::Item(v.span());
        }
        loop {
            let span = v.span();
            if offset >= span.end {
                return After::Nothing;
            }
            let next = match v.kind() {
                Kind::Object => {
                    let mut found = None;
                    for (key, value) in v.members() {
                        let (k, val) = (key.span(), value.span());
                        if k.start >= offset {
                            return After::Item(Span::new(k.start, val.end));
                        }
                        if offset < k.end {
                            return After::InString;
                        }
                        if val.start >= offset {
                            return After::Item(val);
                        }
                        if offset < val.end {
                            found = Some(value);
                            break;
                        }
                    }
                    found
                }
                Kind::Array => {
                    let mut found = None;
                    for e in v.elements() {
                        let es = e.span();
                        if es.start >= offset {
                            return After::Item(es);
                        }
                        if offset < es.end {
                            found = Some(e);
                            break;
                        }
                    }
                    found
                }
                Kind::String => return After::InString,
                _ => return After::Nothing,
            };
            match next {
                Some(inner) => v = inner,
                None => return After::Nothing,
            }
        }
    }
}

/// A borrowed view of one value in a [`Tree`]. Cheap to copy.
#[derive(Clone, Copy)]
pub struct Value<'a> {
    src: &'a str,
    nodes: &'a [Node],
    idx: u32,
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = &self.src[self.span().range()];
        if text.len() > 60 {
            let cut = (0..=60)
                .rev()
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(0);
            write!(f, "Value({:?}, {}…)", self.kind(), &text[..cut])
        } else {
            write!(f, "Value({:?}, {})", self.kind(), text)
        }
    }
}

impl<'a> Value<'a> {
    fn node(&self) -> &'a Node {
        &self.nodes[self.idx as usize]
    }

    /// Whether `other` is a value of the same tree (so of the same document).
    pub fn same_tree(&self, other: &Value<'_>) -> bool {
        std::ptr::eq(self.nodes, other.nodes)
    }

    /// Node index, stable for the life of the tree: store it to come back to this value.
    pub fn index(&self) -> u32 {
        self.idx
    }

    pub fn kind(&self) -> Kind {
        match self.node().tag() {
            K_NULL => Kind::Null,
            K_FALSE | K_TRUE => Kind::Bool,
            K_NUMBER => Kind::Number,
            K_STRING | K_STRING_ESC => Kind::String,
            K_ARRAY => Kind::Array,
            _ => Kind::Object,
        }
    }

    /// The bytes this value occupies in the source, quotes and brackets included.
    pub fn span(&self) -> Span {
        let n = self.node();
        Span::new(n.start, n.end)
    }

    /// The source text of this value, exactly as written.
    pub fn source_text(&self) -> &'a str {
        &self.src[self.span().range()]
    }

    pub fn is_null(&self) -> bool {
        self.node().tag() == K_NULL
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.node().tag() {
            K_TRUE => Some(true),
            K_FALSE => Some(false),
            _ => None,
        }
    }

    /// The number as `f64`. Out-of-range literals such as `1e999999` give infinity.
    pub fn as_f64(&self) -> Option<f64> {
        if self.node().tag() == K_NUMBER {
            self.source_text().parse().ok()
        } else {
            None
        }
    }

    /// The number as `i64`, when it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        if self.node().tag() == K_NUMBER {
            self.source_text().parse().ok()
        } else {
            None
        }
    }

    /// The string's contents, unescaped. Borrowed from the source unless it has escapes.
    pub fn as_str(&self) -> Option<Cow<'a, str>> {
        let n = self.node();
        // Only string nodes have quotes to strip: check the kind before slicing.
        let inner = || &self.src[n.start as usize + 1..n.end as usize - 1];
        match n.tag() {
            K_STRING => Some(Cow::Borrowed(inner())),
            K_STRING_ESC => Some(Cow::Owned(unescape(inner()))),
            _ => None,
        }
    }

    /// Whether this is a string equal to `s` (exactly).
    pub fn str_eq(&self, s: &str) -> bool {
        match self.node().tag() {
            K_STRING => self.raw_inner() == s.as_bytes(),
            K_STRING_ESC => self.as_str().is_some_and(|v| v == s),
            _ => false,
        }
    }

    /// Whether this is a string equal to `s` ignoring ASCII case.
    pub fn str_eq_ignore_case(&self, s: &str) -> bool {
        match self.node().tag() {
            K_STRING => self.raw_inner().eq_ignore_ascii_case(s.as_bytes()),
            K_STRING_ESC => self.as_str().is_some_and(|v| v.eq_ignore_ascii_case(s)),
            _ => false,
        }
    }

    /// The bytes between a string's quotes, escapes undecoded.
    fn raw_inner(&self) -> &'a [u8] {
        let n = self.node();
        &self.src.as_bytes()[n.start as usize + 1..n.end as usize - 1]
    }

    pub fn is_object(&self) -> bool {
        self.node().tag() == K_OBJECT
    }

    pub fn is_array(&self) -> bool {
        self.node().tag() == K_ARRAY
    }

    pub fn is_string(&self) -> bool {
        matches!(self.node().tag(), K_STRING | K_STRING_ESC)
    }

    fn at(&self, idx: u32) -> Value<'a> {
        Value {
            src: self.src,
            nodes: self.nodes,
            idx,
        }
    }

    /// Asks the CPU to start loading this value's node into cache (a hint: no effect on
    /// results). Used a few resources ahead of the one being checked, so that the misses
    /// of a large export's cold tree overlap instead of stalling one after another.
    pub fn prefetch_node(&self) {
        prefetch(std::ptr::from_ref(self.node()).cast());
    }

    /// As [`Value::prefetch_node`], for the nodes of the whole value and its source text, at
    /// most `limit` bytes of each. The value's own node should already be in cache (its
    /// extent is read from it).
    pub fn prefetch_all(&self, limit: usize) {
        const LINE: usize = 64;
        let end = (self.next_sibling() as usize).min(self.nodes.len());
        let nodes = &self.nodes[(self.idx as usize).min(end)..end];
        let node_bytes = std::mem::size_of_val(nodes).min(limit);
        let base: *const u8 = nodes.as_ptr().cast();
        for offset in (0..node_bytes).step_by(LINE) {
            prefetch(base.wrapping_add(offset));
        }
        let span = self.span();
        let text = self.src.as_bytes().get(span.range()).unwrap_or_default();
        for offset in (0..text.len().min(limit)).step_by(LINE) {
            prefetch(text.as_ptr().wrapping_add(offset));
        }
    }

    /// Index of the node after this value and all its descendants.
    fn next_sibling(&self) -> u32 {
        let n = self.node();
        match n.tag() {
            K_ARRAY | K_OBJECT => n.meta >> KIND_BITS,
            _ => self.idx + 1,
        }
    }

    /// The elements of an array (nothing for other kinds).
    pub fn elements(&self) -> Elements<'a> {
        let (next, end) = if self.is_array() {
            (self.idx + 1, self.next_sibling())
        } else {
            (0, 0)
        };
        Elements {
            base: *self,
            next,
            end,
        }
    }

    /// The members of an object as (key, value) pairs, in document order.
    pub fn members(&self) -> Members<'a> {
        let (next, end) = if self.is_object() {
            (self.idx + 1, self.next_sibling())
        } else {
            (0, 0)
        };
        Members {
            base: *self,
            next,
            end,
        }
    }

    /// Number of array elements or object members.
    pub fn len(&self) -> usize {
        match self.node().tag() {
            K_ARRAY => self.elements().count(),
            K_OBJECT => self.members().count(),
            _ => 0,
        }
    }

    /// Whether this is an empty array or object (or a scalar).
    pub fn is_empty(&self) -> bool {
        match self.node().tag() {
            K_ARRAY | K_OBJECT => self.idx + 1 == self.next_sibling(),
            _ => true,
        }
    }

    /// The member `key` of an object (the last one, should the key repeat).
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        self.members()
            .filter(|(k, _)| k.str_eq(key))
            .last()
            .map(|(_, v)| v)
    }

    /// The member `key` of an object, with the key compared ignoring ASCII case, as Azure
    /// Resource Manager compares property names. An exact match wins over a case-folded one
    /// (see [`Value::pick_keys`]).
    ///
    /// The loop reads the nodes directly (key, value, then the value's end for a container):
    /// rules look keys up in every resource they check, and most objects are walked to the
    /// end, because most keys a rule asks for are absent.
    pub fn get_ignore_case(&self, key: &str) -> Option<Value<'a>> {
        self.get_signed(key, length_signature(key.as_bytes()))
    }

    /// [`Value::get_ignore_case`] with the key's [`length_signature`] computed beforehand (by
    /// a caller that looks the same key up many times).
    pub fn get_signed(&self, key: &str, want: u64) -> Option<Value<'a>> {
        let n = self.node();
        if n.tag() != K_OBJECT {
            return None;
        }
        let end = (n.meta >> KIND_BITS) as usize;
        let mut i = self.idx as usize + 1;
        let mut folded = None;
        while i < end {
            let (Some(k), Some(v)) = (self.nodes.get(i), self.nodes.get(i + 1)) else {
                break;
            };
            match k.tag() {
                K_STRING if k.key_signature() == want => {
                    match fold_eq(self.at(i as u32).raw_inner(), key.as_bytes()) {
                        Some(true) => return Some(self.at(i as u32 + 1)),
                        Some(false) => folded = Some(i as u32 + 1),
                        None => {}
                    }
                }
                K_STRING_ESC => {
                    if let Some(s) = self.at(i as u32).as_str() {
                        if *s == *key {
                            return Some(self.at(i as u32 + 1));
                        }
                        if s.eq_ignore_ascii_case(key) {
                            folded = Some(i as u32 + 1);
                        }
                    }
                }
                _ => {}
            }
            i = match v.tag() {
                K_ARRAY | K_OBJECT => ((v.meta >> KIND_BITS) as usize).max(i + 2),
                _ => i + 2,
            };
        }
        folded.map(|j| self.at(j))
    }

    /// Looks the keys of a [`KeySet`] up in one pass over an object's members (keys compared
    /// ignoring ASCII case, as ARM does), each member matched with one probe of the set's
    /// table. `found[i]` receives the value of the set's `i`th key: the first member spelled
    /// exactly like it, else the last one that differs only in case. The scan stops once every
    /// key has an exact match, which is most lookups (Azure never repeats a key; a document
    /// that does is invalid for ARM, and which copy is read is then a choice).
    pub fn pick_keys<const N: usize>(&self, set: &KeySet<N>, found: &mut [Option<Value<'a>>; N]) {
        let mut exact = [false; N];
        let mut pending = N;
        for (k, v) in self.members() {
            if pending == 0 {
                break;
            }
            let n = k.node();
            match n.tag() {
                K_STRING => {
                    let have = n.key_signature();
                    let mut slot = key_slot(have);
                    loop {
                        let i = match set.slots[slot] {
                            0 => break,
                            s => usize::from(s - 1),
                        };
                        slot = (slot + 1) % KEY_SLOTS;
                        if set.signatures[i] != have || exact[i] {
                            continue;
                        }
                        let Some(is_exact) = fold_eq(k.raw_inner(), set.keys[i].as_bytes()) else {
                            continue;
                        };
                        found[i] = Some(v);
                        if is_exact {
                            exact[i] = true;
                            pending -= 1;
                        }
                    }
                }
                K_STRING_ESC => {
                    let Some(s) = k.as_str() else { continue };
                    for (i, key) in set.keys.iter().enumerate() {
                        if exact[i] || !s.eq_ignore_ascii_case(key) {
                            continue;
                        }
                        found[i] = Some(v);
                        if *s == **key {
                            exact[i] = true;
                            pending -= 1;
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// For an object key without escapes: its length and a signature of its bytes folded to
    /// lower case, equal for keys equal ignoring ASCII case and almost never for others. Read
    /// from the tree, not the source. `None` for a key with escapes; meaningless for a value
    /// that is not a key (only keys get a signature when parsed).
    pub fn key_signature(&self) -> Option<u64> {
        let n = self.node();
        (n.tag() == K_STRING).then(|| n.key_signature())
    }

    /// Follows a path of object keys (compared ignoring ASCII case).
    pub fn pointer(&self, path: &[&str]) -> Option<Value<'a>> {
        let mut v = *self;
        for key in path {
            v = v.get_ignore_case(key)?;
        }
        Some(v)
    }
}

/// Iterator over array elements.
pub struct Elements<'a> {
    base: Value<'a>,
    next: u32,
    end: u32,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Value<'a>;
    fn next(&mut self) -> Option<Value<'a>> {
        if self.next >= self.end {
            return None;
        }
        let v = self.base.at(self.next);
        self.next = v.next_sibling();
        Some(v)
    }
}

/// Iterator over object members.
pub struct Members<'a> {
    base: Value<'a>,
    next: u32,
    end: u32,
}

impl<'a> Iterator for Members<'a> {
    type Item = (Value<'a>, Value<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let key = self.base.at(self.next);
        let value = self.base.at(self.next + 1);
        self.next = value.next_sibling();
        Some((key, value))
    }
}

/// 28 bits that are equal for keys equal ignoring ASCII case: the first two and last two
/// bytes with bit 5 set (which folds ASCII letters to lower case, and keeps bytes that are
/// equal equal), mixed down to 28 bits. With the length, it tells almost every pair of
/// distinct object keys apart (`name`/`type`/`tags`/`etag`; `sourcePortRange`/`...Ranges`).
const fn fold_signature(raw: &[u8]) -> u32 {
    let n = raw.len();
    let word = match n {
        0 => 0,
        1 => raw[0] as u32,
        _ => u32::from_le_bytes([raw[0], raw[1], raw[n - 2], raw[n - 1]]),
    } | 0x2020_2020;
    (word ^ (word >> 28)) & 0x0fff_ffff
}

/// A cache prefetch hint for the line holding `p` (nothing on other architectures).
#[inline(always)]
fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint that never faults and has no visible effect, whatever the
    // address; `p` points into a live slice anyway.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Length and [`fold_signature`] in one word, the form lookups compare (and
/// [`Value::key_signature`] returns for a key without escapes).
pub const fn length_signature(raw: &[u8]) -> u64 {
    ((raw.len() as u64) << 32) | fold_signature(raw) as u64
}

/// Slots of a [`KeySet`]'s table: a power of two, at least twice the most keys a set holds.
const KEY_SLOTS: usize = 64;

/// Keys looked up together ([`Value::pick_keys`]), with their [`length_signature`]s and a
/// small open-addressing table of them, all computed at compile time (`const`): each member
/// of the object is matched with one table probe instead of being compared with every wanted
/// key (an NSG rule is read by fourteen keys).
pub struct KeySet<const N: usize> {
    keys: [&'static str; N],
    signatures: [u64; N],
    /// One plus the index of a key whose signature hashes to the slot (linear probing); zero
    /// for an empty slot.
    slots: [u8; KEY_SLOTS],
}

impl<const N: usize> KeySet<N> {
    /// The set of `keys`. More than 32 keys do not fit (a compile-time error in a `const`).
    pub const fn new(keys: [&'static str; N]) -> Self {
        assert!(N <= KEY_SLOTS / 2, "a KeySet holds at most 32 keys");
        let mut signatures = [0u64; N];
        let mut slots = [0u8; KEY_SLOTS];
        let mut i = 0;
        while i < N {
            let signature = length_signature(keys[i].as_bytes());
            signatures[i] = signature;
            let mut slot = key_slot(signature);
            while slots[slot] != 0 {
                slot = (slot + 1) % KEY_SLOTS;
            }
            slots[slot] = (i + 1) as u8;
            i += 1;
        }
        KeySet {
            keys,
            signatures,
            slots,
        }
    }

    pub fn keys(&self) -> &[&'static str; N] {
        &self.keys
    }
}

/// Where a signature starts probing in a [`KeySet`]'s table (Fibonacci hashing).
#[inline(always)]
const fn key_slot(signature: u64) -> usize {
    (signature.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - KEY_SLOTS.trailing_zeros())) as usize
}

/// `Some(exact)` when `a` equals `b` ignoring ASCII case, `exact` telling whether the bytes
/// are identical; `None` when they differ.
#[inline]
fn fold_eq(a: &[u8], b: &[u8]) -> Option<bool> {
    // Keys nearly always match as written: one wide comparison, then the folded one.
    if a == b {
        Some(true)
    } else {
        a.eq_ignore_ascii_case(b).then_some(false)
    }
}

/// Decodes JSON string escapes. The input was checked by the parser, so every escape is
/// well-formed; lone surrogates become U+FFFD as in every lenient JSON reader.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut plain = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        out.push_str(&s[plain..i]);
        let esc = bytes.get(i + 1).copied().unwrap_or(b'\\');
        i += 2;
        match esc {
            b'n' => out.push('\n'),
            b't' => out.push('\t'),
            b'r' => out.push('\r'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'u' => {
                let hi = hex4(bytes, i);
                i += 4;
                let c = if (0xD800..0xDC00).contains(&hi)
                    && bytes.get(i) == Some(&b'\\')
                    && bytes.get(i + 1) == Some(&b'u')
                {
                    let lo = hex4(bytes, i + 2);
                    if (0xDC00..0xE000).contains(&lo) {
                        i += 6;
                        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                    } else {
                        None
                    }
                } else {
                    char::from_u32(hi)
                };
                out.push(c.unwrap_or('\u{FFFD}'));
            }
            other => out.push(other as char),
        }
        plain = i;
    }
    out.push_str(&s[plain.min(s.len())..]);
    out
}

fn hex4(bytes: &[u8], at: usize) -> u32 {
    let mut v = 0;
    for k in 0..4 {
        let d = bytes
            .get(at + k)
            .and_then(|b| (*b as char).to_digit(16))
            .unwrap_or(0);
        v = v * 16 + d;
    }
    v
}

#[derive(PartialEq, Eq)]
enum Step {
    /// A whole value was read.
    Complete,
    /// A container was opened; a value is expected next.
    Opened,
}

struct Parser<'s> {
    src: &'s [u8],
    pos: usize,
    nodes: Vec<Node>,
    /// Open containers: node index and whether it is an object.
    stack: Vec<(u32, bool)>,
    /// Stop when the next root-array element starts here (the first half of a split parse).
    stop_at: Option<usize>,
    /// For the second half of a split parse: where the root array starts and, once read,
    /// where it ends.
    root: Option<(usize, Option<usize>)>,
}

/// How a parse ended.
enum Run {
    Done(Tree),
    /// Stopped at `stop_at`, inside the root array: the nodes so far.
    Halted(Vec<Node>),
}

/// Stack entry standing for the root array in the second half of a split parse.
const OUTER: u32 = u32::MAX;

/// Documents at least this large are parsed in two halves at once when their root is an array
/// (an export): each core takes one half.
const PARALLEL_MIN: usize = 32 << 20;

/// Parses a large array in two halves on two threads. The split is a guess (an element start
/// after the middle); it holds only if the first half, parsed from the start, reaches exactly
/// that offset between two elements of the root array. If it does not, the first half simply
/// parses on to the end and its result is the answer, so the outcome is always exactly that of
/// a sequential parse. `None` when the document is not an array worth splitting.
fn parse_halves(src: &[u8], start: usize) -> Option<Result<Tree, ParseError>> {
    let open = start + src[start..].iter().position(|b| !b.is_ascii_whitespace())?;
    if src[open] != b'[' {
        return None;
    }
    let mid = open + (src.len() - open) / 2;
    let split = [&b"\n  {"[..], b"}, {", b"},{"]
        .iter()
        .find_map(|pattern| {
            memchr::memmem::find(&src[mid..], pattern).map(|k| mid + k + pattern.len() - 1)
        })?;
    let (first, second) = rayon::join(
        || {
            let mut p = Parser::new(src, start);
            p.stop_at = Some(split);
            p.run()
        },
        || {
            let mut p = Parser::new(src, split);
            p.nodes = Vec::with_capacity((src.len() - split) / 10 + 16);
            p.stack.push((OUTER, false));
            p.root = Some((open, None));
            p.run_from_value()
        },
    );
    let mut nodes = match first {
        Err(e) => return Some(Err(e)),
        Ok(Run::Done(tree)) => return Some(Ok(tree)),
        Ok(Run::Halted(nodes)) => nodes,
    };
    let (rest, root_end) = match second {
        Err(e) => return Some(Err(e)),
        Ok((nodes, end)) => (nodes, end),
    };
    let offset = nodes.len() as u32;
    let total = nodes.len() + rest.len();
    if total > MAX_NODES {
        return Some(Err(ParseError {
            offset: 0,
            opened_at: None,
            message: format!("the document has more than {MAX_NODES} values, azlint's limit"),
        }));
    }
    nodes.reserve_exact(rest.len());
    // Copied on every core: a sequential copy of half a large export's tree was a tenth of
    // the parse.
    nodes.par_extend(rest.into_par_iter().with_min_len(1 << 16).map(|mut n| {
        if matches!(n.tag(), K_ARRAY | K_OBJECT) {
            n.meta = (n.tag()) | (((n.meta >> KIND_BITS) + offset) << KIND_BITS);
        }
        n
    }));
    let root = &mut nodes[0];
    root.end = root_end as u32;
    root.meta = K_ARRAY | ((total as u32) << KIND_BITS);
    Some(Ok(Tree { nodes }))
}

impl<'s> Parser<'s> {
    fn new(src: &'s [u8], start: usize) -> Self {
        // Pretty-printed exports carry about one node per 12 bytes; reserving address space up
        // front costs no memory until it is touched and avoids copies while growing.
        let estimate = (src.len() / 10).min(MAX_NODES) + 16;
        Parser {
            src,
            pos: start,
            nodes: Vec::with_capacity(estimate),
            stack: Vec::new(),
            stop_at: None,
            root: None,
        }
    }

    fn err<T>(&self, offset: usize, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            offset: offset.min(self.src.len()) as u32,
            opened_at: None,
            message: message.into(),
        })
    }

    fn run(mut self) -> Result<Run, ParseError> {
        self.skip_trivia()?;
        if self.pos >= self.src.len() {
            return self.err(self.pos, "the file is empty: expected a JSON value");
        }
        self.parse_loop()
    }

    /// The second half of a split parse: elements of the root array from `pos` on, to the
    /// root's closing bracket and the end of the file. Returns the nodes and the root's end.
    fn run_from_value(mut self) -> Result<(Vec<Node>, usize), ParseError> {
        self.skip_trivia()?;
        match self.parse_loop()? {
            Run::Done(tree) => match self.root.and_then(|(_, end)| end) {
                Some(end) => Ok((tree.nodes, end)),
                None => self.err(self.src.len(), "unexpected end of file"),
            },
            Run::Halted(_) => self.err(self.pos, "unexpected end of file"),
        }
    }

    fn parse_loop(&mut self) -> Result<Run, ParseError> {
        loop {
            if let Some(split) = self.stop_at {
                if self.pos == split && self.stack.len() == 1 {
                    return Ok(Run::Halted(std::mem::take(&mut self.nodes)));
                }
                if self.pos > split {
                    // The guess was wrong (the split was inside a string or deeper): go on.
                    self.stop_at = None;
                }
            }
            if self.value()? == Step::Opened {
                continue;
            }
            // After a value: close containers or move to the next element.
            loop {
                let Some(&(top, is_object)) = self.stack.last() else {
                    self.skip_trivia()?;
                    if self.pos < self.src.len() {
                        return self.err(
                            self.pos,
                            format!(
                                "unexpected {} after the end of the JSON value",
                                describe(self.src, self.pos)
                            ),
                        );
                    }
                    let mut nodes = std::mem::take(&mut self.nodes);
                    nodes.shrink_to_fit();
                    return Ok(Run::Done(Tree { nodes }));
                };
                self.skip_trivia()?;
                match self.src.get(self.pos) {
                    Some(b',') => {
                        self.pos += 1;
                        self.skip_trivia()?;
                        let close = if is_object { b'}' } else { b']' };
                        if self.src.get(self.pos) == Some(&close) {
                            // Trailing comma, as ARM accepts.
                            self.close(top)?;
                            continue;
                        }
                        if is_object {
                            self.key()?;
                        }
                        break;
                    }
                    Some(b']') if !is_object => self.close(top)?,
                    Some(b'}') if is_object => self.close(top)?,
                    _ => {
                        let expected = if is_object {
                            "',' or '}'"
                        } else {
                            "',' or ']'"
                        };
                        let open = match top {
                            OUTER => self.root.map_or(0, |(start, _)| start as u32),
                            _ => self.nodes[top as usize].start,
                        };
                        return Err(ParseError {
                            offset: self.pos.min(self.src.len()) as u32,
                            opened_at: Some(open),
                            message: format!(
                                "expected {expected}, found {}",
                                describe(self.src, self.pos)
                            ),
                        });
                    }
                }
            }
        }
    }

    fn push(&mut self, start: usize, end: usize, tag: u32) -> Result<(), ParseError> {
        if self.nodes.len() >= MAX_NODES {
            return self.err(
                start,
                format!("the document has more than {MAX_NODES} values, azlint's limit"),
            );
        }
        self.nodes.push(Node {
            start: start as u32,
            end: end as u32,
            meta: tag,
        });
        Ok(())
    }

    fn close(&mut self, top: u32) -> Result<(), ParseError> {
        self.pos += 1;
        if top == OUTER {
            if let Some(root) = &mut self.root {
                root.1 = Some(self.pos);
            }
            self.stack.pop();
            return Ok(());
        }
        let next = self.nodes.len() as u32;
        let n = &mut self.nodes[top as usize];
        n.end = self.pos as u32;
        n.meta |= next << KIND_BITS;
        self.stack.pop();
        Ok(())
    }

    /// Parses one value. A non-empty container is opened (its first key read) and left on the
    /// stack: its contents follow in the main loop, so nesting never recurses.
    fn value(&mut self) -> Result<Step, ParseError> {
        let start = self.pos;
        match self.src.get(self.pos) {
            Some(b'{') | Some(b'[') => {
                let is_object = self.src[start] == b'{';
                if self.stack.len() >= MAX_DEPTH {
                    return self.err(
                        start,
                        format!("nesting is deeper than {MAX_DEPTH} levels, azlint's limit"),
                    );
                }
                let idx = self.nodes.len() as u32;
                self.push(start, start + 1, if is_object { K_OBJECT } else { K_ARRAY })?;
                self.stack.push((idx, is_object));
                self.pos += 1;
                self.skip_trivia()?;
                let close = if is_object { b'}' } else { b']' };
                if self.src.get(self.pos) == Some(&close) {
                    self.close(idx)?;
                    return Ok(Step::Complete);
                }
                if is_object {
                    self.key()?;
                }
                Ok(Step::Opened)
            }
            Some(b'"') => self.string().map(|_| Step::Complete),
            Some(b't') => self.literal(b"true", K_TRUE).map(|_| Step::Complete),
            Some(b'f') => self.literal(b"false", K_FALSE).map(|_| Step::Complete),
            Some(b'n') => self.literal(b"null", K_NULL).map(|_| Step::Complete),
            Some(b'-' | b'0'..=b'9') => self.number().map(|_| Step::Complete),
            None => self.err(start, "unexpected end of file: expected a value"),
            Some(_) => self.err(
                start,
                format!("expected a value, found {}", describe(self.src, start)),
            ),
        }
    }

    /// An object key, the colon after it, and the trivia before the value.
    fn key(&mut self) -> Result<(), ParseError> {
        if self.src.get(self.pos) != Some(&b'"') {
            let open = self
                .stack
                .last()
                .map(|&(i, _)| self.nodes[i as usize].start);
            return Err(ParseError {
                offset: self.pos.min(self.src.len()) as u32,
                opened_at: open,
                message: format!(
                    "expected a property name in double quotes, found {}",
                    describe(self.src, self.pos)
                ),
            });
        }
        self.string()?;
        if let Some(n) = self.nodes.last_mut() {
            if n.tag() == K_STRING {
                // The key's bytes are in cache now; lookups later compare this instead.
                n.meta |= fold_signature(&self.src[n.start as usize + 1..n.end as usize - 1])
                    << KIND_BITS;
            }
        }
        self.skip_trivia()?;
        if self.src.get(self.pos) != Some(&b':') {
            return self.err(
                self.pos,
                format!(
                    "expected ':' after the property name, found {}",
                    describe(self.src, self.pos)
                ),
            );
        }
        self.pos += 1;
        self.skip_trivia()
    }

    fn literal(&mut self, word: &[u8], tag: u32) -> Result<(), ParseError> {
        let start = self.pos;
        if self.src[start..].starts_with(word) {
            self.pos += word.len();
            self.push(start, self.pos, tag)
        } else {
            self.err(
                start,
                format!("expected a value, found {}", describe(self.src, start)),
            )
        }
    }

    fn string(&mut self) -> Result<(), ParseError> {
        let start = self.pos;
        let mut i = start + 1;
        let mut tag = K_STRING;
        loop {
            match find_quote_or_backslash(&self.src[i..]) {
                None => {
                    return Err(ParseError {
                        offset: self.src.len() as u32,
                        opened_at: Some(start as u32),
                        message: "unterminated string: the file ends before its closing quote"
                            .into(),
                    })
                }
                Some(k) => {
                    i += k;
                    if self.src[i] == b'"' {
                        i += 1;
                        break;
                    }
                    tag = K_STRING_ESC;
                    match self.src.get(i + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                        Some(b'u') => {
                            let hex = self.src.get(i + 2..i + 6);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return self.err(
                                    i,
                                    "invalid unicode escape: expected four hex digits after \\u",
                                );
                            }
                            i += 6;
                        }
                        _ => {
                            return self.err(
                                i,
                                format!("invalid escape sequence {}", describe_escape(self.src, i)),
                            )
                        }
                    }
                }
            }
        }
        self.pos = i;
        self.push(start, i, tag)
    }

    fn number(&mut self) -> Result<(), ParseError> {
        let start = self.pos;
        let s = self.src;
        let mut i = start;
        if s.get(i) == Some(&b'-') {
            i += 1;
        }
        let digits = |i: &mut usize| {
            let from = *i;
            while s.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > from
        };
        if !digits(&mut i) {
            return self.err(i, "invalid number: expected a digit");
        }
        if s.get(i) == Some(&b'.') {
            i += 1;
            if !digits(&mut i) {
                return self.err(
                    i,
                    "invalid number: expected a digit after the decimal point",
                );
            }
        }
        if matches!(s.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(s.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !digits(&mut i) {
                return self.err(i, "invalid number: expected a digit in the exponent");
            }
        }
        self.pos = i;
        self.push(start, i, K_NUMBER)
    }

    /// Skips white space and comments.
    fn skip_trivia(&mut self) -> Result<(), ParseError> {
        let s = self.src;
        loop {
            match s.get(self.pos) {
                Some(b'\n' | b'\r' | b'\t') => {
                    self.pos += 1;
                    continue;
                }
                // Pretty-printed exports indent with runs of spaces after each newline: take
                // them eight at a time, and end the run at the first other byte of a word.
                Some(b' ') => {
                    loop {
                        let Some(w) = word_at(s, self.pos) else {
                            while s.get(self.pos) == Some(&b' ') {
                                self.pos += 1;
                            }
                            break;
                        };
                        let other = w ^ SPACES;
                        if other == 0 {
                            self.pos += 8;
                        } else {
                            // Little-endian: the lowest set bit is in the first other byte.
                            self.pos += (other.trailing_zeros() / 8) as usize;
                            break;
                        }
                    }
                    continue;
                }
                Some(b'/') => {}
                _ => return Ok(()),
            }
            match s.get(self.pos + 1) {
                Some(b'/') => {
                    self.pos = match memchr::memchr(b'\n', &s[self.pos..]) {
                        Some(k) => self.pos + k + 1,
                        None => s.len(),
                    };
                }
                Some(b'*') => {
                    let open = self.pos;
                    match memchr::memmem::find(&s[self.pos + 2..], b"*/") {
                        Some(k) => self.pos += 2 + k + 2,
                        None => {
                            return Err(ParseError {
                                offset: s.len() as u32,
                                opened_at: Some(open as u32),
                                message: "unterminated block comment: no closing */".into(),
                            })
                        }
                    }
                }
                _ => return self.err(self.pos, "unexpected '/': comments start with // or /*"),
            }
        }
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;
const SPACES: u64 = 0x2020_2020_2020_2020;

/// The eight bytes at `pos` as a little-endian word, when there are eight.
fn word_at(s: &[u8], pos: usize) -> Option<u64> {
    let bytes: [u8; 8] = s.get(pos..pos.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// High bit set in each byte of `w` that equals `b`; the lowest set bit is exact.
fn bytes_equal(w: u64, b: u8) -> u64 {
    let x = w ^ (ONES * b as u64);
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// Position of the first `"` or `\`, eight bytes at a time. Strings are most of an export
/// and mostly short, where a word-at-a-time scan beats setting up a SIMD search.
fn find_quote_or_backslash(s: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(w) = word_at(s, i) {
        let hits = bytes_equal(w, b'"') | bytes_equal(w, b'\\');
        if hits != 0 {
            return Some(i + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    s[i..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\')
        .map(|k| i + k)
}

/// Names what stands at `pos` for an error message.
fn describe(src: &[u8], pos: usize) -> String {
    match src.get(pos) {
        None => "the end of the file".to_string(),
        Some(&b) if b.is_ascii_graphic() => format!("'{}'", b as char),
        Some(b'\n' | b'\r') => "a line break".to_string(),
        Some(_) => {
            let text = std::str::from_utf8(&src[pos..src.len().min(pos + 4)]).unwrap_or("");
            match text.chars().next() {
                Some(c) => format!("{c:?}"),
                None => "an unexpected byte".to_string(),
            }
        }
    }
}

fn describe_escape(src: &[u8], pos: usize) -> String {
    match src.get(pos + 1) {
        Some(&b) if b.is_ascii_graphic() => format!("'\\{}'", b as char),
        _ => "'\\'".to_string(),
    }
}

#[cfg(test)]
mod item_after_tests {
    use super::*;

    fn after(src: &str, marker: &str) -> After {
        let tree = Tree::parse(src, 0).unwrap();
        tree.item_after(src, src.find(marker).unwrap() as u32)
    }

    fn text(src: &str, a: After) -> &str {
        match a {
            After::Item(s) => &src[s.range()],
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_comment_speaks_about_what_follows_it() {
        let src = "{\n  // X\n  \"a\": {\"b\": 1},\n  \"c\": [1, /* Y */ 2]\n}";
        assert_eq!(text(src, after(src, "// X")), "\"a\": {\"b\": 1}");
        assert_eq!(text(src, after(src, "/* Y")), "2");
        let src = "[{\"k\": 1}, // Z\n {\"k\": 2}]";
        assert_eq!(text(src, after(src, "// Z")), "{\"k\": 2}");
        let src = "{\"k\": /* V */ [1]}";
        assert_eq!(text(src, after(src, "/* V")), "[1]");
    }

    #[test]
    fn strings_and_ends() {
        let src = "{\"k\": \"// X\", \"// key\": 1 /* end */}";
        assert_eq!(after(src, "// X"), After::InString);
        assert_eq!(after(src, "// key"), After::InString);
        assert_eq!(after(src, "/* end"), After::Nothing);
        let src = "// top\n{\"a\": 1}";
        assert_eq!(text(src, after(src, "// top")), "{\"a\": 1}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Tree, ParseError> {
        Tree::parse(s, 0)
    }

    fn to_serde(v: Value<'_>) -> serde_json::Value {
        match v.kind() {
            Kind::Null => serde_json::Value::Null,
            Kind::Bool => serde_json::Value::Bool(v.as_bool().unwrap()),
            Kind::Number => serde_json::from_str(v.source_text()).unwrap(),
            Kind::String => serde_json::Value::String(v.as_str().unwrap().into_owned()),
            Kind::Array => serde_json::Value::Array(v.elements().map(to_serde).collect()),
            Kind::Object => serde_json::Value::Object(
                v.members()
                    .map(|(k, v)| (k.as_str().unwrap().into_owned(), to_serde(v)))
                    .collect(),
            ),
        }
    }

    #[test]
    fn agrees_with_serde_json_on_strict_json() {
        let cases = [
            r#"{"a": [1, 2.5, -3e2, true, false, null], "b": {"c": "d\n\u00e9\ud83d\ude00"}, "e": []}"#,
            r#"[{}, [], [[[]]], "x", 0]"#,
            r#""just a string""#,
            "42",
        ];
        for c in cases {
            let t = parse(c).unwrap();
            let ours = to_serde(t.root(c));
            let theirs: serde_json::Value = serde_json::from_str(c).unwrap();
            assert_eq!(ours, theirs, "{c}");
        }
    }

    #[test]
    fn spans_cover_exact_bytes() {
        let src = r#"{ "name" : "vnet-1", "n": [1, {"x": null}] }"#;
        let t = parse(src).unwrap();
        let root = t.root(src);
        assert_eq!(root.span(), Span::new(0, src.len() as u32));
        assert_eq!(root.get("name").unwrap().source_text(), "\"vnet-1\"");
        let n = root.get("n").unwrap();
        assert_eq!(n.source_text(), r#"[1, {"x": null}]"#);
        let x = n.elements().nth(1).unwrap().get("x").unwrap();
        assert_eq!(x.source_text(), "null");
        assert!(x.is_null());
    }

    #[test]
    fn accepts_what_azure_accepts() {
        let src =
            "// leading\n{\n  /* block */ \"a\": [1, 2,], // tail\n  \"b\": \"tab\there\",\n}\n";
        let t = parse(src).unwrap();
        let root = t.root(src);
        assert_eq!(root.get("a").unwrap().len(), 2);
        assert_eq!(root.get("b").unwrap().as_str().unwrap(), "tab\there");
        assert_eq!(root.len(), 2);
    }

    #[test]
    fn duplicate_keys_last_wins_and_case_insensitive_lookup() {
        let src = r#"{"A": 1, "a": 2, "a": 3}"#;
        let t = parse(src).unwrap();
        let root = t.root(src);
        assert_eq!(root.get("a").unwrap().as_i64(), Some(3));
        assert_eq!(root.get_ignore_case("A").unwrap().as_i64(), Some(1));
        assert_eq!(
            root.get_ignore_case("a").unwrap().as_i64(),
            Some(2),
            "first exact match"
        );
        let folded = r#"{"Name": 1, "NAME": 2}"#;
        let t = parse(folded).unwrap();
        assert_eq!(
            t.root(folded).get_ignore_case("name").unwrap().as_i64(),
            Some(2),
            "no exact match: the last case-folded one"
        );
        assert!(root.get_ignore_case("properties").is_none());
    }

    #[test]
    fn key_sets_pick_what_get_ignore_case_gets() {
        // Case variants, an escaped key, repeats, and keys that share a length and signature
        // (`abXXcd`/`abYYcd`), wanted and not.
        let src = r#"{"abXXcd": 0, "Direction": 1, "direction": 2, "PRIORITY": 3, "abYYcd": 4,
            "pr\u0069ority": 5, "access": 6, "ACCESS": 7, "abzzcd": 8, "sourcePortRanges": 9,
            "sourcePortRange": 10, "x": 11, "abYYCD": 12, "Protocol": 13}"#;
        let t = parse(src).unwrap();
        let root = t.root(src);
        const SET: KeySet<8> = KeySet::new([
            "direction",
            "priority",
            "access",
            "abyycd",
            "sourcePortRange",
            "sourcePortRanges",
            "protocol",
            "missing",
        ]);
        let mut by_set = [None; 8];
        root.pick_keys(&SET, &mut by_set);
        let one_by_one = SET.keys().map(|k| root.get_ignore_case(k));
        let numbers = |f: [Option<Value<'_>>; 8]| f.map(|v| v.and_then(|v| v.as_i64()));
        assert_eq!(numbers(by_set), numbers(one_by_one));
        assert_eq!(
            numbers(by_set),
            [
                Some(2),
                Some(5),
                Some(6),
                Some(12),
                Some(10),
                Some(9),
                Some(13),
                None
            ]
        );
        // Wanted keys sharing a signature with each other, and every single key of the object.
        const TWINS: KeySet<3> = KeySet::new(["abXXcd", "abYYcd", "abzzcd"]);
        let mut found = [None; 3];
        root.pick_keys(&TWINS, &mut found);
        assert_eq!(
            found.map(|v| v.and_then(|v| v.as_i64())),
            [Some(0), Some(4), Some(8)]
        );
        for (k, _) in root.members() {
            let key = k.as_str().unwrap().into_owned();
            let key: &'static str = Box::leak(key.into_boxed_str());
            let mut one = [None];
            root.pick_keys(&KeySet::new([key]), &mut one);
            assert_eq!(
                one[0].map(|v| v.index()),
                root.get_ignore_case(key).map(|v| v.index()),
                "{key}"
            );
        }
    }

    #[test]
    fn key_signatures_equal_for_keys_equal_ignoring_case() {
        let src = r#"{"name": 0, "NAME": 1, "type": 2, "tags": 3, "etag": 4, "x": 5, "": 6, "n\u0061me": 7, "nÄme": 8, "nämE": 9}"#;
        let t = parse(src).unwrap();
        let keys: Vec<_> = t.root(src).members().map(|(k, _)| k).collect();
        let sig = |i: usize| keys[i].key_signature();
        assert_eq!(sig(0), sig(1));
        assert_eq!(sig(0), Some(length_signature(b"Name")));
        for other in [2, 3, 4, 5, 6] {
            assert_ne!(sig(0), sig(other), "{other}");
        }
        assert_eq!(sig(7), None, "escaped keys have none");
        // Lookups agree with the signatures, for every key (escaped and not ASCII included):
        // the first exact match, else the last that differs in case.
        let root = t.root(src);
        for (key, want) in [
            ("name", 0),
            ("NAME", 1),
            ("nAmE", 7),
            ("TYPE", 2),
            ("", 6),
            ("X", 5),
            ("nÄme", 8),
        ] {
            assert_eq!(
                root.get_ignore_case(key).and_then(|v| v.as_i64()),
                Some(want),
                "{key}"
            );
        }
        let mut found = [None; 3];
        root.pick_keys(
            &const { KeySet::new(["ETAG", "missing", "tags"]) },
            &mut found,
        );
        assert_eq!(
            found.map(|v| v.and_then(|v| v.as_i64())),
            [Some(4), None, Some(3)]
        );
        let escaped = r#"{"n\u0061me": 1}"#;
        let t = parse(escaped).unwrap();
        assert_eq!(
            t.root(escaped)
                .get_ignore_case("NAME")
                .and_then(|v| v.as_i64()),
            Some(1)
        );
    }

    #[test]
    fn errors_are_located() {
        let cases: &[(&str, u32, &str)] = &[
            ("", 0, "empty"),
            ("   // only a comment\n", 21, "empty"),
            ("[1, 2", 5, "expected ',' or ']'"),
            ("{\"a\" 1}", 5, "expected ':'"),
            ("{\"a\": 1 \"b\": 2}", 8, "expected ',' or '}'"),
            ("[1, ]]", 5, "after the end"),
            ("[\"abc", 5, "unterminated string"),
            ("[tru]", 1, "expected a value"),
            ("[1.]", 3, "after the decimal point"),
            ("[\"\\x\"]", 2, "invalid escape"),
            ("/* open", 7, "unterminated block comment"),
            ("{a: 1}", 1, "property name"),
            ("[1] /", 4, "comments start"),
        ];
        for (src, offset, needle) in cases {
            let e = parse(src).unwrap_err();
            assert_eq!(e.offset, *offset, "{src:?}: {e}");
            assert!(e.message.contains(needle), "{src:?}: {e}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = "[".repeat(200_000);
        let e = parse(&src).unwrap_err();
        assert!(e.message.contains("nesting"), "{e}");
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn scalars_are_not_strings() {
        let src = r#"[5, 0, true, null, {}, []]"#;
        let t = parse(src).unwrap();
        for v in t.root(src).elements() {
            assert!(v.as_str().is_none(), "{v:?}");
            assert!(!v.str_eq("5") && !v.str_eq_ignore_case(""));
        }
    }

    #[test]
    fn huge_numbers_are_numbers() {
        let src = "[1e999999, -1e999999, 123456789012345678901234567890]";
        let t = parse(src).unwrap();
        let v: Vec<f64> = t
            .root(src)
            .elements()
            .map(|e| e.as_f64().unwrap())
            .collect();
        assert!(v[0].is_infinite() && v[1].is_infinite() && v[2] > 1e29);
    }

    #[test]
    fn word_scan_finds_the_first_quote_or_backslash() {
        for text in [
            "",
            "abc",
            "\"",
            "abcdefgh\"",
            "abcdefghij\\x\"",
            "ab\"cdefghijklmnop\"",
        ] {
            let expected = text.bytes().position(|b| b == b'"' || b == b'\\');
            assert_eq!(
                find_quote_or_backslash(text.as_bytes()),
                expected,
                "{text:?}"
            );
        }
        // Non-ASCII bytes around the target must not confuse the bit trick.
        let t = "ééééé\"".as_bytes();
        assert_eq!(find_quote_or_backslash(t), Some(10));
    }

    /// A tree's nodes as comparable tuples.
    type Nodes = Vec<(u32, u32, u32)>;

    fn sequential(src: &str) -> Result<Nodes, ParseError> {
        match Parser::new(src.as_bytes(), 0).run()? {
            Run::Done(t) => Ok(t.nodes.iter().map(|n| (n.start, n.end, n.meta)).collect()),
            Run::Halted(_) => unreachable!("no stop"),
        }
    }

    fn halves(src: &str) -> Option<Result<Nodes, ParseError>> {
        parse_halves(src.as_bytes(), 0)
            .map(|r| r.map(|t| t.nodes.iter().map(|n| (n.start, n.end, n.meta)).collect()))
    }

    #[test]
    fn a_split_parse_equals_a_sequential_one() {
        let element = |i: usize| {
            format!("{{\n    \"id\": \"r{i}\",\n    \"tags\": {{\"a\": [1, 2, {{}}]}},\n    \"s\": \"x}}, {{y\"\n  }}")
        };
        let pretty: String = format!(
            "[\n  {}\n]\n",
            (0..200).map(element).collect::<Vec<_>>().join(",\n  ")
        );
        let compact: String = format!(
            "[{}]",
            (0..200)
                .map(|i| format!("{{\"id\":{i},\"v\":[{{}},[]]}}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        // The first split candidate after the middle is inside a string: the guess fails and
        // the result is still right.
        let z = "z".repeat(100);
        let tricky = format!("[{{\"a\":1}}, {{\"s\": \"{z}}}, {{{z}\"}}, {{\"b\": 2}}]");
        let mid = tricky.len() / 2;
        let candidate = mid + tricky[mid..].find("}, {").expect("a candidate");
        assert!(
            tricky[candidate..].starts_with("}, {z"),
            "the guess falls in the string"
        );
        let with_comments = pretty.replace("]},\n", "]}, // note\n");
        for (name, doc) in [
            ("pretty", &pretty),
            ("compact", &compact),
            ("tricky", &tricky),
            ("comments", &with_comments),
        ] {
            let want = sequential(doc).expect(name);
            let got = halves(doc).unwrap_or_else(|| panic!("{name}: an array is split"));
            assert_eq!(got.expect(name), want, "{name}");
        }
    }

    #[test]
    fn a_split_parse_reports_the_first_error() {
        let good = format!("[\n  {}\n]", vec!["{\"a\": 1}"; 50].join(",\n  "));
        // An error in the second half, and one in the first.
        let late = good.replacen("{\"a\": 1}\n]", "{\"a\" 1}\n]", 1);
        let early = good.replacen("{\"a\": 1}", "{\"a\" 1}", 1);
        for doc in [late, early, format!("{good},")] {
            let want = sequential(&doc).expect_err("invalid");
            let got = halves(&doc).expect("split").expect_err("invalid");
            assert_eq!(got, want);
        }
    }

    #[test]
    fn unescapes_surrogates_and_lone_surrogates() {
        assert_eq!(unescape(r"\ud83d\ude00"), "😀");
        assert_eq!(unescape(r"a\ud83db"), "a\u{FFFD}b");
        assert_eq!(unescape(r#"\"\\\/\b\f\n\r\t"#), "\"\\/\u{8}\u{c}\n\r\t");
    }
}
