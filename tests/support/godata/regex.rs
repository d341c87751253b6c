//! A small backtracking regex for `$regex` (MongoDB's PCRE, the part a client would
//! send): literals, `.`, `^ $`, classes, `\d \w \s` and their negations, groups,
//! `|`, `* + ? {n,m}` (lazy forms too), flags `i m s`. Anything else (lookaround,
//! back-references, `\b`, flag `x`, JavaScript's `g u y`) is refused, so that the fake
//! never answers a pattern it does not understand.

#[derive(Debug, Clone)]
pub struct Regex {
    pub source: String,
    pub flags: String,
    alts: Vec<Vec<Node>>,
    icase: bool,
    multiline: bool,
    dotall: bool,
}

#[derive(Debug, Clone)]
enum Node {
    Char(char),
    Any,
    /// Ranges, negated.
    Class(Vec<(char, char)>, bool),
    Start,
    End,
    Group(Vec<Vec<Node>>),
    Repeat(Box<Node>, u32, Option<u32>),
}

const DIGIT: &[(char, char)] = &[('0', '9')];
const WORD: &[(char, char)] = &[('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')];
const SPACE: &[(char, char)] = &[(' ', ' '), ('\t', '\r')];

struct Parser<'a> {
    c: &'a [char],
    i: usize,
}

impl Parser<'_> {
    fn alts(&mut self) -> Result<Vec<Vec<Node>>, String> {
        let mut alts = vec![Vec::new()];
        while self.i < self.c.len() {
            let ch = self.c[self.i];
            match ch {
                '|' => {
                    self.i += 1;
                    alts.push(Vec::new());
                    continue;
                }
                ')' => break,
                _ => {}
            }
            let atom = self.atom()?;
            let atom = self.quantified(atom)?;
            alts.last_mut().expect("one alternative").push(atom);
        }
        Ok(alts)
    }

    fn atom(&mut self) -> Result<Node, String> {
        let ch = self.c[self.i];
        self.i += 1;
        Ok(match ch {
            '.' => Node::Any,
            '^' => Node::Start,
            '$' => Node::End,
            '(' => {
                if self.c.get(self.i) == Some(&'?') {
                    if self.c.get(self.i + 1) != Some(&':') {
                        return Err("lookaround and inline flags".into());
                    }
                    self.i += 2;
                }
                let g = self.alts()?;
                if self.c.get(self.i) != Some(&')') {
                    return Err("an unclosed group".into());
                }
                self.i += 1;
                Node::Group(g)
            }
            '[' => self.class()?,
            '\\' => self.escape(false)?,
            '*' | '+' | '?' | '{' => return Err(format!("a quantifier {ch} with nothing before")),
            c => Node::Char(c),
        })
    }

    fn escape(&mut self, in_class: bool) -> Result<Node, String> {
        let Some(&e) = self.c.get(self.i) else {
            return Err("a trailing backslash".into());
        };
        self.i += 1;
        Ok(match e {
            'd' => Node::Class(DIGIT.to_vec(), false),
            'D' => Node::Class(DIGIT.to_vec(), true),
            'w' => Node::Class(WORD.to_vec(), false),
            'W' => Node::Class(WORD.to_vec(), true),
            's' => Node::Class(SPACE.to_vec(), false),
            'S' => Node::Class(SPACE.to_vec(), true),
            'n' => Node::Char('\n'),
            't' => Node::Char('\t'),
            'r' => Node::Char('\r'),
            c if c.is_ascii_alphanumeric() => {
                return Err(format!(
                    "the escape \\{c}{}",
                    if in_class { " in a class" } else { "" }
                ));
            }
            c => Node::Char(c),
        })
    }

    fn class(&mut self) -> Result<Node, String> {
        let neg = self.c.get(self.i) == Some(&'^');
        if neg {
            self.i += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let Some(&ch) = self.c.get(self.i) else {
                return Err("an unclosed class".into());
            };
            if ch == ']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            self.i += 1;
            let lo = if ch == '\\' {
                match self.escape(true)? {
                    Node::Char(c) => c,
                    Node::Class(r, false) => {
                        ranges.extend(r);
                        continue;
                    }
                    _ => return Err("a negated escape in a class".into()),
                }
            } else {
                ch
            };
            if self.c.get(self.i) == Some(&'-') && self.c.get(self.i + 1).is_some_and(|&c| c != ']')
            {
                let hi = self.c[self.i + 1];
                if hi == '\\' {
                    return Err("an escape as a range end".into());
                }
                self.i += 2;
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        Ok(Node::Class(ranges, neg))
    }

    fn quantified(&mut self, atom: Node) -> Result<Node, String> {
        let Some(&q) = self.c.get(self.i) else {
            return Ok(atom);
        };
        let (min, max) = match q {
            '*' => (0, None),
            '+' => (1, None),
            '?' => (0, Some(1)),
            '{' => {
                let close = self.c[self.i..]
                    .iter()
                    .position(|&c| c == '}')
                    .ok_or("an unclosed {")?;
                let inner: String = self.c[self.i + 1..self.i + close].iter().collect();
                let (a, b) = match inner.split_once(',') {
                    Some((a, "")) => (a.parse().ok(), Some(None)),
                    Some((a, b)) => (a.parse().ok(), b.parse().ok().map(Some)),
                    None => (inner.parse().ok(), inner.parse().ok().map(Some)),
                };
                let (Some(a), Some(b)) = (a, b) else {
                    return Err(format!("the quantifier {{{inner}}}"));
                };
                self.i += close;
                (a, b)
            }
            _ => return Ok(atom),
        };
        self.i += 1;
        // Lazy and greedy find the same matches; possessive `+` is refused.
        match self.c.get(self.i) {
            Some('?') => self.i += 1,
            Some('+') => return Err("a possessive quantifier".into()),
            _ => {}
        }
        if matches!(atom, Node::Start | Node::End) {
            return Err("a quantified anchor".into());
        }
        Ok(Node::Repeat(Box::new(atom), min, max))
    }
}

impl Regex {
    /// `Err` names what the fake does not model.
    pub fn new(source: &str, flags: &str) -> Result<Regex, String> {
        for f in flags.chars() {
            if !"ims".contains(f) {
                return Err(format!("the regex flag {f:?}"));
            }
        }
        let c: Vec<char> = source.chars().collect();
        let mut p = Parser { c: &c, i: 0 };
        let alts = p.alts()?;
        if p.i != c.len() {
            return Err("an unmatched )".into());
        }
        Ok(Regex {
            source: source.to_string(),
            flags: flags.to_string(),
            alts,
            icase: flags.contains('i'),
            multiline: flags.contains('m'),
            dotall: flags.contains('s'),
        })
    }

    pub fn is_match(&self, s: &str) -> bool {
        let c: Vec<char> = s.chars().collect();
        (0..=c.len()).any(|start| self.alternatives(&self.alts, &c, start, &mut |_| true))
    }

    fn alternatives(
        &self,
        alts: &[Vec<Node>],
        c: &[char],
        i: usize,
        k: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        alts.iter().any(|seq| self.seq(seq, c, i, k))
    }

    fn seq(&self, seq: &[Node], c: &[char], i: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
        match seq.split_first() {
            None => k(i),
            Some((n, rest)) => self.node(n, c, i, &mut |j| self.seq(rest, c, j, k)),
        }
    }

    fn node(&self, n: &Node, c: &[char], i: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
        match n {
            Node::Start => (i == 0 || (self.multiline && c[i - 1] == '\n')) && k(i),
            // PCRE: `$` also before a final newline.
            Node::End => {
                let at_end = i == c.len() || (i + 1 == c.len() && c[i] == '\n');
                (at_end || (self.multiline && c.get(i) == Some(&'\n'))) && k(i)
            }
            Node::Group(alts) => self.alternatives(alts, c, i, k),
            Node::Repeat(inner, min, max) => self.repeat(inner, *min, *max, 0, c, i, k),
            single => i < c.len() && self.one(single, c[i]) && k(i + 1),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn repeat(
        &self,
        n: &Node,
        min: u32,
        max: Option<u32>,
        count: u32,
        c: &[char],
        i: usize,
        k: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        if max.is_none_or(|m| count < m)
            && self.node(n, c, i, &mut |j| {
                (j != i || count < min) && self.repeat(n, min, max, count + 1, c, j, k)
            })
        {
            return true;
        }
        count >= min && k(i)
    }

    fn one(&self, n: &Node, ch: char) -> bool {
        let variants = |ch: char| -> Vec<char> {
            if self.icase {
                let mut v = vec![ch];
                v.extend(ch.to_lowercase());
                v.extend(ch.to_uppercase());
                v
            } else {
                vec![ch]
            }
        };
        match n {
            Node::Char(x) => variants(ch).contains(x) || (self.icase && variants(*x).contains(&ch)),
            Node::Any => self.dotall || ch != '\n',
            Node::Class(ranges, neg) => {
                let hit = variants(ch)
                    .iter()
                    .any(|v| ranges.iter().any(|(lo, hi)| lo <= v && v <= hi));
                hit != *neg
            }
            _ => false,
        }
    }
}
