//! A seeded synthetic English-like corpus with planted relations.
//!
//! Used by the training tests, `embedpos demo` and `cargo xtask fixtures`.
//! The grammar plants five relations, each between pairs of words that share
//! a private *topic* (words only that pair uses) and differ by a *role*
//! (context words shared by one side of every pair of the relation):
//!
//! | section | pairs | example |
//! |---|---|---|
//! | `capital-country` | 20 invented countries and their capitals | `osaril : varnea` |
//! | `male-female` | 10 | `king : queen` |
//! | `singular-plural` | 20 | `lamp : lamps` |
//! | `present-past` | 15 | `walk : walked` |
//! | `adjective-comparative` | 15 | `big : bigger` |
//!
//! so a word vector learned from it is about *topic + role*, and
//! `b − a + c ≈ d` holds for every pair of pairs in a section. Filler
//! sentences from a Zipf-distributed word list make the rest of the text.
//! Everything is derived from a splitmix64 stream of the seed, so the bytes
//! depend on nothing but the seed and the token target.

use embedpos_base::SplitMix64;
use std::io::{self, Write};

const MALE_FEMALE: [(&str, &str); 10] = [
    ("king", "queen"),
    ("man", "woman"),
    ("boy", "girl"),
    ("father", "mother"),
    ("brother", "sister"),
    ("prince", "princess"),
    ("husband", "wife"),
    ("son", "daughter"),
    ("uncle", "aunt"),
    ("actor", "actress"),
];

const NOUNS: [&str; 20] = [
    "lamp", "chair", "horse", "river", "cloud", "stone", "apple", "bottle", "window", "garden",
    "engine", "letter", "candle", "ticket", "basket", "rabbit", "pencil", "carpet", "bridge",
    "flower",
];

const VERBS: [(&str, &str); 15] = [
    ("walk", "walked"),
    ("paint", "painted"),
    ("open", "opened"),
    ("clean", "cleaned"),
    ("fix", "fixed"),
    ("visit", "visited"),
    ("climb", "climbed"),
    ("watch", "watched"),
    ("cook", "cooked"),
    ("carry", "carried"),
    ("push", "pushed"),
    ("pull", "pulled"),
    ("fill", "filled"),
    ("count", "counted"),
    ("plant", "planted"),
];

const ADJECTIVES: [(&str, &str); 15] = [
    ("big", "bigger"),
    ("small", "smaller"),
    ("old", "older"),
    ("young", "younger"),
    ("tall", "taller"),
    ("short", "shorter"),
    ("fast", "faster"),
    ("slow", "slower"),
    ("warm", "warmer"),
    ("cold", "colder"),
    ("dark", "darker"),
    ("light", "lighter"),
    ("soft", "softer"),
    ("hard", "harder"),
    ("rich", "richer"),
];

const FILLER: [&str; 60] = [
    "the", "a", "and", "of", "to", "in", "it", "was", "that", "for", "on", "with", "as", "at",
    "by", "this", "from", "but", "not", "or", "all", "there", "one", "so", "what", "about", "out",
    "up", "some", "time", "very", "when", "could", "then", "more", "also", "only", "now", "over",
    "such", "just", "most", "other", "good", "first", "way", "even", "new", "work", "long", "well",
    "day", "life", "place", "thing", "after", "back", "still", "much", "world",
];

const ONSETS: [&str; 16] = [
    "b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "tr",
];
const VOWELS: [&str; 6] = ["a", "e", "i", "o", "u", "ai"];

/// Invents pronounceable words that are not already taken.
struct Names {
    used: std::collections::HashSet<String>,
}

impl Names {
    fn fresh(&mut self, rng: &mut SplitMix64, syllables: usize) -> String {
        loop {
            let mut w = String::new();
            for _ in 0..syllables {
                w.push_str(rng.pick::<&str>(&ONSETS));
                w.push_str(rng.pick::<&str>(&VOWELS));
            }
            if rng.below(2) == 0 {
                w.push_str(rng.pick::<&str>(&["n", "r", "s", "l"]));
            }
            if self.used.insert(w.clone()) {
                return w;
            }
        }
    }

    fn topics(&mut self, rng: &mut SplitMix64) -> [String; 3] {
        [self.fresh(rng, 2), self.fresh(rng, 2), self.fresh(rng, 3)]
    }
}

/// One relation pair with its private topic words.
#[derive(Debug, Clone)]
struct Pair {
    a: String,
    b: String,
    topic: [String; 3],
}

/// The planted-relation corpus generator.
///
/// ```
/// use embedpos_tokenize::synthetic::PlantedCorpus;
/// let c = PlantedCorpus::new(7);
/// let mut text = Vec::new();
/// c.write_corpus(&mut text, 2_000).unwrap();
/// assert!(text.len() > 5_000);
/// assert!(c.analogies().starts_with(": capital-country\n"));
/// ```
#[derive(Debug, Clone)]
pub struct PlantedCorpus {
    seed: u64,
    sections: Vec<(&'static str, Vec<Pair>)>,
}

/// The default seed of the fixture corpus.
pub const DEFAULT_SEED: u64 = 20_131_016;
/// The default size of the fixture corpus, in tokens.
pub const DEFAULT_TOKENS: u64 = 1_000_000;

impl PlantedCorpus {
    /// The relations, with invented names and topics drawn from `seed`.
    pub fn new(seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed);
        let mut used: std::collections::HashSet<String> = FILLER
            .iter()
            .chain(NOUNS.iter())
            .map(|s| s.to_string())
            .collect();
        for (a, b) in MALE_FEMALE.iter().chain(&VERBS).chain(&ADJECTIVES) {
            used.insert(a.to_string());
            used.insert(b.to_string());
        }
        let mut names = Names { used };
        let mut countries = Vec::new();
        for _ in 0..20 {
            let b = names.fresh(&mut rng, 3);
            let a = names.fresh(&mut rng, 2);
            let topic = names.topics(&mut rng);
            countries.push(Pair { a, b, topic });
        }
        let mut pairs = |rng: &mut SplitMix64, list: Vec<(String, String)>| -> Vec<Pair> {
            list.into_iter()
                .map(|(a, b)| Pair {
                    a,
                    b,
                    topic: names.topics(rng),
                })
                .collect()
        };
        let owned = |l: &[(&str, &str)]| -> Vec<(String, String)> {
            l.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let gender = pairs(&mut rng, owned(&MALE_FEMALE));
        let plural = pairs(
            &mut rng,
            NOUNS
                .iter()
                .map(|a| (a.to_string(), format!("{a}s")))
                .collect(),
        );
        let verbs = pairs(&mut rng, owned(&VERBS));
        let adjs = pairs(&mut rng, owned(&ADJECTIVES));
        PlantedCorpus {
            seed,
            sections: vec![
                ("capital-country", countries),
                ("male-female", gender),
                ("singular-plural", plural),
                ("present-past", verbs),
                ("adjective-comparative", adjs),
            ],
        }
    }

    /// Writes about `tokens` tokens of text, one paragraph a line.
    pub fn write_corpus(&self, w: &mut dyn Write, tokens: u64) -> io::Result<()> {
        let mut rng = SplitMix64::new(self.seed ^ 0xC0FF_EE00);
        let mut written = 0u64;
        let mut line = String::new();
        while written < tokens {
            line.clear();
            let sentences = 4 + rng.below(8);
            for s in 0..sentences {
                if s > 0 {
                    line.push(' ');
                }
                written += self.sentence(&mut rng, &mut line);
            }
            line.push('\n');
            w.write_all(line.as_bytes())?;
        }
        Ok(())
    }

    /// The planted analogies in the word2vec questions format: every ordered
    /// pair of distinct pairs in a section, `a b c d` meaning a:b = c:d.
    pub fn analogies(&self) -> String {
        let mut out = String::new();
        for (name, pairs) in &self.sections {
            out.push_str(&format!(": {name}\n"));
            for p in pairs {
                for q in pairs {
                    if p.a != q.a {
                        out.push_str(&format!("{} {} {} {}\n", p.a, p.b, q.a, q.b));
                    }
                }
            }
        }
        out
    }

    /// Appends one sentence; returns its token count.
    fn sentence(&self, rng: &mut SplitMix64, out: &mut String) -> u64 {
        let start = out.len();
        // Roughly half the sentences carry a relation, half are filler.
        if rng.below(100) < 55 {
            let (name, pairs) = &self.sections[rng.below(self.sections.len())];
            let p = rng.pick(pairs);
            let t = rng.pick(&p.topic);
            let t2 = rng.pick(&p.topic);
            let side_b = rng.below(2) == 1;
            let w = if side_b { &p.b } else { &p.a };
            let s = match (*name, side_b, rng.below(3)) {
                ("capital-country", false, 0) => {
                    format!("the city of {w} is known for {t} and its old market")
                }
                ("capital-country", false, 1) => {
                    format!("the mayor of {w} walked through the city streets near the {t}")
                }
                ("capital-country", false, _) => {
                    format!("in the capital {w} people talk about {t} and {t2} in the city")
                }
                ("capital-country", true, 0) => {
                    format!("the nation of {w} is known for {t} and its long border")
                }
                ("capital-country", true, 1) => {
                    format!("the government of the country {w} cares about {t} across the land")
                }
                ("capital-country", true, _) => {
                    format!("across the country {w} the nation talks about {t} and {t2}")
                }
                ("male-female", false, 0) => {
                    format!("the {w} said that he liked the {t} and his {t2}")
                }
                ("male-female", false, 1) => format!("he is a {w} and his {t} is famous"),
                ("male-female", false, _) => format!("the {w} took his {t} and he left"),
                ("male-female", true, 0) => {
                    format!("the {w} said that she liked the {t} and her {t2}")
                }
                ("male-female", true, 1) => format!("she is a {w} and her {t} is famous"),
                ("male-female", true, _) => format!("the {w} took her {t} and she left"),
                ("singular-plural", false, 0) => format!("one {w} is near the {t}"),
                ("singular-plural", false, 1) => {
                    format!("a single {w} was left by the {t} and it is alone")
                }
                ("singular-plural", false, _) => format!("this {w} is next to that {t}"),
                ("singular-plural", true, 0) => format!("many {w} are near the {t}"),
                ("singular-plural", true, 1) => {
                    format!("several {w} were left by the {t} and they are together")
                }
                ("singular-plural", true, _) => format!("these {w} are next to those {t} {t2}"),
                ("present-past", false, 0) => format!("every day they {w} the {t} again"),
                ("present-past", false, 1) => {
                    format!("now we {w} the {t} and we will {w} it tomorrow")
                }
                ("present-past", false, _) => format!("they often {w} a {t} near the {t2}"),
                ("present-past", true, 0) => format!("yesterday they {w} the {t} once"),
                ("present-past", true, 1) => {
                    format!("last year we {w} the {t} and had {w} it before")
                }
                ("present-past", true, _) => format!("long ago they {w} a {t} near the {t2}"),
                (_, false, 0) => format!("the {t} is {w} and the {t2} is {w} too"),
                (_, false, 1) => format!("a {w} {t} stood there"),
                (_, false, _) => format!("it looked very {w} like a {t}"),
                (_, true, 0) => format!("the {t} is {w} than the other one"),
                (_, true, 1) => format!("this {t} grew {w} than that {t2}"),
                (_, true, _) => format!("it became even {w} than a {t}"),
            };
            out.push_str(&s);
        } else {
            let n = 6 + rng.below(10);
            for i in 0..n {
                if i > 0 {
                    out.push(' ');
                }
                // Zipf-like: index ~ floor(60^u) - 1 favours the first words.
                let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                let k = ((FILLER.len() as f64 + 1.0).powf(u) - 1.0) as usize;
                out.push_str(FILLER[k.min(FILLER.len() - 1)]);
            }
        }
        out[start..].split(' ').count() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_sized() {
        let a = PlantedCorpus::new(1);
        let mut x = Vec::new();
        let mut y = Vec::new();
        a.write_corpus(&mut x, 20_000).unwrap();
        PlantedCorpus::new(1).write_corpus(&mut y, 20_000).unwrap();
        assert_eq!(x, y);
        let n = std::str::from_utf8(&x).unwrap().split_whitespace().count();
        assert!((20_000..21_000).contains(&n), "{n}");
        let q = a.analogies();
        assert_eq!(
            q.lines().filter(|l| !l.starts_with(':')).count(),
            380 + 90 + 380 + 210 + 210
        );
    }
}
