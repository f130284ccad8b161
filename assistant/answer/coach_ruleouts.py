"""What a practice question's stem rules out, whatever the material says about an option in
general: an action it says to do "without", a format the model "cannot be converted to", a
platform the team cannot run, a label-based metric when labels come late and an early warning
is wanted, a person acting by hand when no one may be in the loop, a supervised model when
no labels were ever made, the wrong kind of parallelism for whether the model fits on one
device, a one-way or a reversible transformation when the stem says the original values must
or must never come back, and the options a phrased requirement excludes (TPUs for double precision,
Text-to-Speech for transcripts, servers when the team wants none to manage, ...). Each
rule-out comes with the stem's own words, which the option's reason quotes ("Ruled out by
"no Kubernetes experience" in the question ...").

These rules encode what an exam candidate is expected to know (TPUs do not compute in
float64; a model that fits on one GPU needs no model parallelism). The material backs each
in general; the stem's words are what make it decisive for this question."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.answer.coach_stem import without_choose_note
from assistant.answer.shape import CONSTRAINTS, constraints_in
from assistant.answer.text import NEGATION, content_terms, question_sentences

__all__ = ["forbidden_actions", "impossible_targets", "unskilled_platform", "rule_out_phrases",
           "stem_rule_outs"]

# "Operations wants each new model picked up without stopping or redeploying the job": an option
# that starts by doing what the stem rules out ("Redeploy the model ...") fails the requirement,
# whatever the material says about it in general.
_WITHOUT = re.compile(r"\bwithout\s+(\w+ing(?:\s*(?:,|,? or|,? and|,? nor)\s+\w+ing)*)\b", re.I)


def forbidden_actions(stem: str) -> set[str]:
    """Content terms of the verbs the stem rules out with "without ...ing"."""
    out: set[str] = set()
    for m in _WITHOUT.finditer(without_choose_note(stem)):
        for verb in re.findall(r"\w+ing\b", m.group(1)):
            out.update(content_terms(verb)[:1])
    return out


# "Some of the model's operators cannot be converted to ONNX", "the model cannot be exported as
# TensorFlow Lite": a target format or product the scenario says is out of reach. An option
# that goes through it fails the scenario, whatever the material says about it in general.
_IMPOSSIBLE = re.compile(r"\b(?:cannot|can't|could not|couldn't|can no longer) be (?:converted|"
                         r"exported|imported|compiled|translated|ported|loaded|serialized|"
                         r"saved) (?:to|into|as|in) (?:an? |the )?([\w-]+(?: [A-Z][\w-]*)?)",
                         re.I)


def impossible_targets(stem: str) -> set[str]:
    """Content terms of what the stem says the model cannot be turned into."""
    out: set[str] = set()
    for m in _IMPOSSIBLE.finditer(stem):
        out.update(content_terms(m.group(1)))
    return out


# "The team has no Kubernetes experience": an option that has the team run Kubernetes or GKE
# ("Kubeflow Pipelines installed on a new GKE cluster that the team manages itself") goes
# against the stem, whatever the material says about that platform in general. The stem is
# read with the composer's constraint ("no Kubernetes skills" in ``shape.CONSTRAINTS``).
_NO_K8S = next(c for c in CONSTRAINTS if c.name == "no Kubernetes skills")
_K8S_OPTION = re.compile(r"\b(?:kubernetes|gke|k8s)\b", re.I)


def unskilled_platform(stem: str) -> re.Pattern[str] | None:
    """The pattern of options that need a platform the stem says the team cannot run."""
    return _K8S_OPTION if _NO_K8S in constraints_in(stem) else None


# "Fraud labels arrive about 30 days after each transaction ... an early warning": a metric
# computed on labels cannot warn before the labels exist, whatever the material says about
# that metric in general. Both are needed: with late labels and no hurry, a label-based
# evaluation (joined once the labels land) is still the right way to measure quality.
_LATE_LABELS = next(c for c in CONSTRAINTS if c.name == "labels late or missing")
_EARLY = re.compile(r"\b(early|earlier|before (the )?(labels?|ground[- ]truth)|warning|as soon as|"
                    r"in the meantime|until (the )?(labels?|ground[- ]truth)|right away|"
                    r"immediately)\b", re.I)
# A metric computed on labels; not "Label a sample ...", which gets the labels.
_LABEL_OPTION = re.compile(r"\b(accuracy|precision|recall|f1|auc|error rate|label+ed|"
                           r"ground[- ]truth|confusion matrix)\b", re.I)

# "No one has ever labeled customers with a segment": a supervised model ("a
# BOOSTED_TREE_CLASSIFIER that predicts each member's segment") has nothing to learn from,
# unless the option first gets the labels ("Label a sample ...").
_NO_LABELS = next(c for c in CONSTRAINTS if c.name == "no labels at all")
# "_CLASSIFIER" counts (BOOSTED_TREE_CLASSIFIER); "unsupervised" and "semi-supervised" do not.
_SUPERVISED_OPTION = re.compile(r"(?:^|[\s_`(])(?:classifier|classification model|regressor|"
                                r"supervised|regression)\b|\b\w+_REG\b", re.I)
_GETS_LABELS = re.compile(r"\b(?:label(?:s|ing|ling)?|annotat\w*)\b", re.I)  # not "labeled"

# "A sustained drift alert must start the retraining pipeline automatically, without a person
# in the loop": an option that has someone act by hand ("email the on-call engineer, who starts
# the pipeline from the console") fails that requirement, whatever the material says about its
# parts. Only a stated absence of people counts; "with a human in the loop" asks for one.
_UNATTENDED = re.compile(r"\b(?:without|with no|no)\s+(?:any\s+|a\s+)?(?:manual|human|person\b|people|"
                         r"someone|anyone|one has to|engineer\b|operator\b)|\bfully automat\w*|"
                         r"\bhands[- ]off\b", re.I)
_MANUAL_OPTION = re.compile(r"\b(?:manual(?:ly)?|by hand|on-call|sign-off|ask(?:s|ing)? (?:a|an|the|"
                            r"someone)|(?:an?|the) (?:engineer|person|team member|data scientist|"
                            r"human|analyst|reviewer|operator)s?,? (?:who|to|starts?|runs?|"
                            r"reviews?|approves?|checks?|signs?))\b", re.I)

# "The classifier fits comfortably in one GPU's memory": splitting the model across devices
# (model, tensor or pipeline parallelism, sharding) solves a problem the scenario does not have.
# "The weights, gradients and optimizer state need far more memory than one 80 GB GPU has":
# adding data-parallel workers copies the whole model onto each of them, so it cannot help.
_FITS = re.compile(r"\bfits?\b(?:\s+\w+){0,2}?\s+(?:in|on|into|within)\s+(?:the memory of\s+)?"
                   r"(?:one|a single|each|every)\b(?:\s+[\w-]+){0,2}?\s*(?:GPU|accelerator|device|"
                   r"TPU)s?\b", re.I)
_EXCEEDS = re.compile(r"(?:\b(?:does not|doesn't|do not|don't|cannot|can't|no longer|too (?:big|large)"
                      r" to) fit|more memory than (?:one|a single)|exceeds? (?:the )?(?:memory|"
                      r"capacity) of (?:one|a single))\b", re.I)
_MODEL_STATE = re.compile(r"\b(?:weights|parameters|optimizer state|model state|the model)\b", re.I)
_SPLIT_MODEL_OPTION = re.compile(r"\b(?:model|tensor|pipeline) parallel\w*|\bpipeline stages\b|"
                                 r"\bshard\w*|\bFSDP\b", re.I)
_COPY_MODEL_OPTION = re.compile(r"\bDDP\b|DistributedDataParallel|(?<!sharded )\bdata parallel\w*|"
                                r"\bmore (?:\w+ )?workers\b|MirroredStrategy|Reduction Server", re.I)


def _device_fit(stem: str) -> tuple[re.Match[str] | None, re.Match[str] | None]:
    """(the words saying the model fits on one device, the words saying its state does not)."""
    fits = exceeds = None
    for sentence in question_sentences(stem):
        over = _EXCEEDS.search(sentence)
        if over is not None and _MODEL_STATE.search(sentence[:over.start()]):
            exceeds = exceeds or over
        elif over is None:
            fits = fits or _FITS.search(sentence)
    return fits, exceeds


# Requirements the exam states in a phrase, each with the options it rules out whatever the
# material says about them in general: kind -> (the stem's words, the options it rules out).
# Each was checked on the dev split and the bank: no keyed option matches its option pattern.
_PHRASED: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    # TPUs compute in bfloat16/float32; "Use GPUs or CPUs ... rather than TPUs" is not one.
    "double_precision": (re.compile(r"double[- ]precision|\bfloat64\b|\bfp64\b", re.I),
                         re.compile(r"^(?!.*\b(?:rather than|instead of|not|over|avoid)\b.*\bTPU)"
                                    r".*\bTPUs?\b", re.I)),
    # "custom CUDA operations that TPUs do not support": the model cannot train on a TPU.
    "tpu_unsupported": (re.compile(r"\bTPUs? (?:does|do|can) not (?:support|run)|\bTPUs? "
                                   r"(?:doesn't|don't|can't|cannot) (?:support|run)|\b(?:not "
                                   r"supported|unsupported) (?:on|by) (?:Cloud )?TPUs?|"
                                   r"\bcannot run on (?:Cloud )?TPUs?", re.I),
                        re.compile(r"^(?!.*\b(?:rather than|instead of|not|over|avoid)\b.*\bTPU)"
                                   r".*\bTPUs?\b", re.I)),
    # Speech-to-Text and Text-to-Speech go opposite ways.
    "transcripts": (re.compile(r"\btranscri(?:be|bes|bed|bing|ption)\b|speech (?:in)?to text|"
                               r"\b(?:text )?transcripts? (?:of|from) (?:the |their |its )?(?:calls|"
                               r"audio|recordings|meetings|speech|interviews)|\bwants? (?:text )?"
                               r"transcripts", re.I),
                    re.compile(r"\bText-to-Speech\b", re.I)),
    "spoken_output": (re.compile(r"\bread (?:\w+ ){0,3}?aloud|natural-sounding (?:speech|voice)|"
                                 r"(?:spoken|audio) version of", re.I),
                      re.compile(r"\bSpeech-to-Text\b", re.I)),
    # "without managing GPUs": hardware the team does not want to run is a server too.
    "no_servers": (re.compile(r"\bno (?:servers?|infrastructure|VMs?|clusters?|GPUs?) to (?:manage|run|"
                              r"maintain|patch)|(?:does not|doesn't|do not|don't) want to (?:manage|"
                              r"run|maintain|patch) (?:any )?(?:servers?|VMs?|infrastructure|"
                              r"clusters?|GPUs?|accelerators?)|\bno cost when idle|without (?:managing|"
                              r"provisioning|operating) (?:any )?(?:servers?|infrastructure|GPUs?|"
                              r"accelerators?|hardware|VMs?|clusters?)", re.I),
                   re.compile(r"self-deploy\w*|self-managed|self-hosted|Compute Engine|"
                              r"\bon (?:a |an )?(?:GKE|GPU) cluster|\b(?:a|an|its own|dedicated) VMs?\b",
                              re.I)),
    "no_serving_code": (re.compile(r"(?:does not|doesn't|do not|don't) want to (?:write|build|"
                                   r"maintain)[^.]*\b(?:code|server|container)|never built a "
                                   r"Dockerfile|\bno (?:custom )?serving code", re.I),
                        re.compile(r"\b(?:write|build)\b[^.]*\b(?:FastAPI|Flask|HTTP server|"
                                   r"web server|Dockerfile)\b", re.I)),
    "no_hurry": (re.compile(r"\b(?:nobody|no one|no-one) needs? (?:a |the )?(?:prediction|result|"
                            r"score|answer)s? (?:before|until|in real time|immediately|right away)|"
                            r"\bno (?:real-time|online|low-latency) (?:requirement|need)|"
                            r"(?:does not|doesn't) need (?:real-time|online|immediate)|\blatency\b[^.]{0,25}"
                            r"\b(?:does not|doesn't|do not|don't) matter|\bnot latency[- ]sensitive", re.I),
                 re.compile(r"\bstream\w*|real[- ]time|online (?:endpoint|prediction|serving)|"
                            r"\bonline (?:\w+ )?API\b|\bprovision\w* throughput", re.I)),
    "least_rework": (re.compile(r"\bleast (?:rework|code changes?)|\bminimal (?:rework|code "
                                r"changes)|\bno rework|\bavoid (?:rework|rewriting)", re.I),
                     re.compile(r"^(?:rewrite|re-implement|reimplement|port)\b", re.I)),
    "no_ml_skills": (re.compile(r"\bno (?:ML|machine learning) (?:expertise|experience|engineers?|"
                                r"skills)|\bno data scientists?|\b(?:only|just) (?:knows?|uses?|"
                                r"writes?) SQL|\bworks? only in SQL|\blittle (?:ML|machine "
                                r"learning) (?:expertise|experience)", re.I),
                     re.compile(r"\bcustom training|\bwrite (?:a |an )?(?:TensorFlow|PyTorch|Keras|"
                                r"custom)|\bcustom (?:model|neural network|container)|\bfrom scratch",
                                re.I)),
    "small_dataset": (re.compile(r"\b(?:only|just) (?:a few )?(?:\d+|a few|several)? ?(?:hundred|"
                                 r"dozen)s? (?:of )?(?:labeled |labelled )?(?:images|examples|"
                                 r"photos|rows|documents)|\bsmall (?:labeled |labelled )?dataset|"
                                 r"\bfew (?:labeled |labelled )?examples", re.I),
                      re.compile(r"\bfrom scratch", re.I)),
    "least_privilege": (re.compile(r"\bleast[- ]privilege|\bonly the (?:permissions|access|roles?) "
                                   r"(?:it|they|he|she) needs?|\bminimum (?:permissions|access|"
                                   r"necessary)|\blose the ability to (?:change IAM|administer)|"
                                   r"\b(?:must not|cannot|should not|may not) (?:be able to )?"
                                   r"(?:change IAM|administer)", re.I),
                        re.compile(r"\b(?:Owner|Editor|Admin\w*)\b|roles/(?:owner|editor)|"
                                   r"project-level|primitive role|basic role", re.I)),
    "no_public_internet": (re.compile(r"\b(?:must not|cannot|may not|can't|never) (?:use|traverse|"
                                      r"go over|cross|touch|reach) the public internet|\bno public "
                                      r"(?:internet|IP)|\bprivate (?:connectivity|network) only",
                                      re.I),
                           re.compile(r"public endpoint|public IP|over the (?:public )?internet",
                                      re.I)),
    # Encryption keys do not stop someone with access from copying data out.
    "exfiltration": (re.compile(r"\bexfiltrat\w*|\bstolen credentials|\bcop(?:y|ied) (?:\w+ ){0,6}"
                                r"to (?:a |an )?(?:personal )?projects? outside|\bcopy tables to a "
                                r"personal project", re.I),
                     re.compile(r"^(?!.*(?:perimeter|VPC Service Controls))(?:.*)(?:customer-managed "
                                r"encryption|\bCMEK\b|\bencrypt)", re.I)),
    # Accuracy hides a rare class; "PR AUC rather than accuracy" is not an accuracy option.
    "imbalanced": (re.compile(r"\bimbalanc\w*|\brare (?:class|event|positive|fraud)\w*|"
                              r"\b\d+(?:\.\d+)? ?% (?:of (?:the |all )?(?:transactions|cases|examples|"
                              r"samples|records|claims|customers|users|rows|events|images|orders|"
                              r"loans|applications|accounts|patients)|are (?:fraud\w*|positive|"
                              r"churn\w*|defect\w*))", re.I),
                   re.compile(r"^(?!.*\b(?:rather than|instead of|not|over|beyond)\b.*\baccuracy)"
                              r".*(?<!balanced )\baccuracy\b", re.I)),
    # A model that must work without a connection cannot call a cloud endpoint or API.
    "offline": (re.compile(r"\b(?:run|runs|work|works|operate|predict|classify)\w* offline\b|"
                           r"\boffline inside\b|\b(?:no|without|intermittent|unreliable|spotty|poor)"
                           r" (?:internet|network|connectivity|cell(?:ular)? (?:signal|coverage))",
                           re.I),
                re.compile(r"\b(?:call|send|request|query|use)\w*\b[^.]*\b(?:API|endpoint)\b|"
                           r"Vertex AI endpoint|online prediction|\bCloud Run\b|\bfrom (?:a |the )?"
                           r"(?:server|cloud)\b", re.I)),
    "data_stays": (re.compile(r"\bwithout (?:export|mov|copy)\w* (?:the )?data|\b(?:do not|don't|not) "
                              r"want to (?:export|move|copy)|\b(?:never|must not|cannot|can't) leave "
                              r"BigQuery|\b(?:minimal|no) data movement|\bavoid moving (?:the )?data",
                              re.I),
                   re.compile(r"\bexport\w*\b[^.]*\b(?:Cloud Storage|CSV|bucket|files?)\b|\bcop(?:y|ies)"
                              r"\b[^.]*\bto (?:Cloud Storage|a bucket)|\bCSV files?\b", re.I)),
    "fresh_features": (re.compile(r"\bwithin (?:a few |\d+ )?seconds|\bnear[- ]real[- ]time|\breal[- ]"
                                  r"time features|\bseconds-old", re.I),
                       re.compile(r"\bnightly\b|\bdaily\b|\bonce a day|\bweekly\b|\bevery (?:night|"
                                  r"day|week)", re.I)),
    # Platforms the team says it cannot run, like "no Kubernetes experience" (``unskilled``).
    "no_spark": (re.compile(r"\bno (?:Spark|Hadoop)\b|\b(?:no|without|lacks?) (?:\w+ )?(?:Spark|Hadoop) "
                            r"(?:experience|skills|expertise|code)", re.I),
                 re.compile(r"\b(?:Spark|Hadoop|Dataproc)\b", re.I)),
    "no_beam": (re.compile(r"\b(?:nobody|no one)(?: on the team)? has (?:ever )?(?:run|built|operated|"
                           r"written) (?:a )?(?:data|streaming|Beam|Dataflow) pipeline|\bno (?:Beam|"
                           r"Dataflow) (?:experience|skills|expertise)|\b(?:do|does) not want to (?:run|"
                           r"manage|operate|maintain) Dataflow", re.I),
                re.compile(r"\b(?:Apache Beam|Dataflow)\b", re.I)),
    "no_docker": (re.compile(r"\b(?:no one|nobody) who maintains Docker|\bnever built a Dockerfile|"
                             r"\bno (?:Docker|container) (?:experience|skills|expertise)", re.I),
                  re.compile(r"\bDockerfile|\bcustom container|\bbuild (?:a |an |its own )?(?:container|"
                             r"Docker image)", re.I)),
    "own_network": (re.compile(r"\b(?:weights|model|inference|serving)\b[^.]{0,80}?\binside (?:the "
                               r"\w+'s|its|their|our) own (?:Google Cloud )?(?:project|VPC)|rather than "
                               r"behind a shared", re.I),
                    re.compile(r"\bserverless|model-as-a-service|\bMaaS\b|managed API|billed per use",
                               re.I)),
}

# "Fraud analysts must later be able to recover the original card numbers": a one-way
# transformation (masking, redaction, hashing, bucketing) cannot give them back. "No party may
# ever be able to recover citizen identifiers": a reversible one (encryption, FPE) can.
_IRREVERSIBLE = re.compile(r"\b(?:never|no one|no party|nobody|not)\b[^.]{0,60}?\b(?:recover|"
                           r"re-identif|reverse|decrypt)\w*|\birreversibl[ey]\b", re.I)
# The values themselves: "recover the original card numbers", "the real number of customers
# the model flags" (their card numbers).
_RECOVERABLE = re.compile(r"\b(?:recover|retrieve|get back|restore) the (?:original|real|raw|plain) "
                          r"(?:[\w-]+ ){0,2}?(?:values?|numbers?|identifiers?|IDs?|data|records?|"
                          r"names?|emails?|addresses)\b|\bre-identif\w* (?:later|when "
                          r"needed)|\bdecrypt\w* (?:later|when)", re.I)
_ONE_WAY_OPTION = re.compile(r"\bmask\w*|\bredact\w*|\bhash\w*|\bbucket\w*|generali[sz]\w*|"
                             r"\bdrop\b|\bdelet\w*|\bremov\w*", re.I)
_TWO_WAY_OPTION = re.compile(r"\bencrypt\w*|\bFPE\b|format-preserving|AES-SIV|\breversible", re.I)


def _recovery(stem: str) -> tuple[re.Match[str] | None, re.Match[str] | None]:
    """(the words saying the original values must come back, the words saying they never may)."""
    back = never = None
    for sentence in question_sentences(stem):
        no = _IRREVERSIBLE.search(sentence)
        never = never or no
        if no is None:
            back = back or _RECOVERABLE.search(sentence)
    return back, never


_SET_ASIDE = re.compile(r"\b(?:rather than|instead of|not|never|without)\b", re.I)

_RULE_WORDS = 3  # words of the clause after a rule-out match that a reason quotes with it
_TRAILING = frozenset("a an the with of to for from in on at by and or".split())


def rule_out_phrases(stem: str) -> dict[str, str]:
    """The stem's own words for each kind of rule-out it states, so that a reason can name
    the constraint ("no Kubernetes experience") instead of saying the option is backed less:
    ``forbidden`` ("without retraining"), ``impossible`` ("cannot be converted to ONNX"),
    ``unskilled`` ("no Kubernetes experience"), ``late_labels``, ``unattended`` ("without a
    person in the loop"), ``unlabeled`` ("no one has ever labeled"), ``fits_device`` ("fits
    comfortably in one GPU"), ``exceeds_device`` ("more memory than one 80 GB GPU") and the
    phrased requirements of ``_PHRASED`` ("double-precision", "no servers to manage", ...). A
    kind the stem does not state is absent."""
    found = {"forbidden": _WITHOUT.search(without_choose_note(stem)),
             "impossible": _IMPOSSIBLE.search(stem),
             "unskilled": _NO_K8S.question.search(stem),
             "late_labels": _LATE_LABELS.question.search(stem) if _EARLY.search(stem) else None,
             "unattended": _UNATTENDED.search(stem),
             "unlabeled": _NO_LABELS.question.search(stem)}
    found["fits_device"], found["exceeds_device"] = _device_fit(stem)
    found["recoverable"], found["irreversible"] = _recovery(stem)
    found.update({kind: says.search(stem) for kind, (says, _) in _PHRASED.items()})
    if found["transcripts"] and found["spoken_output"]:
        found["transcripts"] = found["spoken_output"] = None  # both directions are wanted
    out: dict[str, str] = {}
    for kind, m in found.items():
        if m is None:
            continue
        tail = m.string[m.end():]
        # A match that ends mid-word ("late" of "later") takes the rest of the word.
        # So does a possessive ("GPU" of "GPU's memory").
        cut = next((i for i, ch in enumerate(tail) if not (ch.isalnum() or ch in "_'\u2019")),
                   len(tail))
        # The clause ends at a linking word: "float64 arithmetic" of "float64 arithmetic to stay
        # stable", "fits on one GPU" of "fits on one GPU with room to spare".
        rest = re.split(r"[,.;:?!()]|\b(?:and|but|so|or|because|while|to|that|which|for|with)\b",
                        tail[cut:], maxsplit=1)[0].split()
        if kind in _PHRASED and len(m.group(0).split()) > 1:
            rest = []  # a phrased requirement is whole ("little ML experience"); "float64" is not
        words = [m.group(0) + tail[:cut], *rest[:_RULE_WORDS]]
        while len(words) > 1 and words[-1].lower() in _TRAILING:
            words.pop()  # "... labeled customers with a" reads as cut off: end on a content word
        out[kind] = " ".join(words).strip()
    return out


def stem_rule_outs(stem: str) -> Callable[[str], list[str]]:
    """For an option's text, the stem's words for each rule-out that applies to it, whatever
    the material says about the option in general: it starts by doing what the stem rules out
    ("without retraining"), goes through what the stem says cannot be ("cannot be converted to
    ONNX"), needs a platform the team cannot run ("no Kubernetes experience"), or has a person
    act by hand when the stem wants no one in the loop, trains a supervised model on labels
    the stem says were never made, splits a model that fits on one device, adds
    data-parallel copies of a model whose state does not fit on one, or goes against a phrased
    requirement (``_PHRASED``: TPUs for float64, a server when there should be none, ...)."""
    forbidden = forbidden_actions(stem)
    impossible = impossible_targets(stem)
    unskilled = unskilled_platform(stem)
    words = rule_out_phrases(stem)

    def applies(option: str) -> list[str]:
        out: list[str] = []
        first = content_terms(" ".join(option.split()[:1]))
        affirmed = not NEGATION.search(option)
        if forbidden and first and first[0] in forbidden:
            out.append(words.get("forbidden", ""))
        if impossible and affirmed and impossible & set(content_terms(option)):
            out.append(words.get("impossible", ""))
        if unskilled is not None and affirmed and unskilled.search(option):
            out.append(words.get("unskilled", ""))
        if "late_labels" in words and affirmed and _LABEL_OPTION.search(option):
            out.append(words["late_labels"])  # a label-based metric cannot warn early
        if "unattended" in words and affirmed and _MANUAL_OPTION.search(option):
            out.append(words["unattended"])  # a person acting by hand is not automatic
        if "unlabeled" in words and affirmed and _SUPERVISED_OPTION.search(option) and \
                not _GETS_LABELS.search(option):
            out.append(words["unlabeled"])  # a supervised model needs the missing labels
        if "fits_device" in words and affirmed and _SPLIT_MODEL_OPTION.search(option):
            out.append(words["fits_device"])  # nothing to split: the model fits on one
        if "exceeds_device" in words and affirmed and _COPY_MODEL_OPTION.search(option) and \
                not _SPLIT_MODEL_OPTION.search(option):
            out.append(words["exceeds_device"])  # each data-parallel worker holds it all
        if "recoverable" in words and _ONE_WAY_OPTION.search(option):
            out.append(words["recoverable"])  # a one-way transformation gives nothing back
        if "irreversible" in words and _TWO_WAY_OPTION.search(option):
            out.append(words["irreversible"])  # the key holder could reverse it
        # What the option does, not what it sets aside ("Vertex AI User rather than
        # Administrator", "PR AUC instead of accuracy").
        head = _SET_ASIDE.split(option, maxsplit=1)[0]
        out += [words[kind] for kind, (_, rules_out) in _PHRASED.items()
                if kind in words and rules_out.search(head)]
        return out
    return applies
