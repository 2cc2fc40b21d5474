"""The demo's knowledge articles: answers to what customers of the demo catalog ask most, linked to the demo
offerings (``catalog.demo.IMPORTED``) and to the ticket categories care files tickets under (by code; the
categories are made here too if care has not made them yet)."""

from django.db import transaction

from catalog.demo import IMPORTED
from catalog.models import ProductOffering
from knowledge.models import Article, ArticleStatus, Audience, TicketCategory
from knowledge.services import article_save

CATEGORIES = {
    "no-service": "No service",
    "slow-connection": "Slow connection",
    "damaged-device": "Damaged device",
    "billing-question": "Billing question",
    "other": "Other",
}
FIBRE = ("fibre-100", "fibre-500", "fibre-1000")
MOBILE = ("mobile-s", "mobile-m", "mobile-l", "sim-only")
PHONES = ("aurora-x", "aurora-lite")

# (title, summary, body, offerings by demo key, category codes, audience)
ARTICLES = [
    (
        "Fibre: no internet connection",
        "Your fibre line shows no internet: check the router's lights, restart it, and test with a cable.",
        "Most losses of connection are solved at home in a few minutes.\n\n"
        "- Check that the fibre cable is firmly in the wall socket and in the router.\n"
        "- Look at the router's lights: a red or blinking fibre light means the line is down.\n"
        "- Switch the router off, wait 30 seconds and switch it on again; give it 5 minutes.\n"
        "- Test with a network cable: if that works, the trouble is the Wi-Fi, not the line.\n\n"
        "Still no internet? Report a fault: we test the line from our side and send an engineer if needed.",
        FIBRE,
        ("no-service",),
        Audience.CUSTOMERS,
    ),
    (
        "Fibre: slower than expected speeds",
        "Speeds below your plan: measure over a cable, move the router, and check for devices using the line.",
        "Wi-Fi speeds depend on walls, distance and neighbours' networks; your plan's speed is measured over a "
        "cable.\n\n"
        "- Run a speed test with a computer connected by a network cable.\n"
        "- Place the router in the open, off the floor, away from metal and the microwave.\n"
        "- Pause downloads, cloud backups and streams on other devices while you test.\n"
        "- A Wi-Fi 6 router helps in larger homes: you can change it in your plan.\n\n"
        "Below 70% of your plan's speed over a cable, three times in a day? Report slow speeds.",
        FIBRE,
        ("slow-connection",),
        Audience.CUSTOMERS,
    ),
    (
        "Mobile: no signal or no mobile data",
        "No bars or no data on your phone: flight mode, restart, mobile data and roaming settings, the SIM.",
        "- Switch flight mode on and off again, or restart the phone.\n"
        "- Check that mobile data is on, and that your data bundle is not used up (see your usage).\n"
        "- Take the SIM out and put it back; with an eSIM, check it is switched on.\n"
        "- Try another place: indoors and underground the signal is weaker.\n\n"
        "Still no signal where you used to have it? Report it with the address or area: we check the network "
        "there.",
        MOBILE,
        ("no-service",),
        Audience.CUSTOMERS,
    ),
    (
        "Roaming: using your phone abroad",
        "Calls, texts and data in the EU cost the same as at home; outside it, add a travel data bundle.",
        "In the EU and EEA you call, text and use data as at home, within fair use.\n\n"
        "Outside the EU, data is charged per MB: add the Travel data bundle before you go, and switch data "
        "roaming on in your phone's settings when you arrive. Usage alerts tell you when you approach your "
        "spend cap.",
        (*MOBILE, "travel-data"),
        ("billing-question", "no-service"),
        Audience.CUSTOMERS,
    ),
    (
        "Returning a phone within 14 days",
        "Changed your mind? Return a phone bought online or by phone within 14 days, in its box, for a refund.",
        "You may return a device bought online, in the app or by phone within 14 days of delivery, without a "
        "reason.\n\n"
        "- Reset the phone and remove your accounts (Find my phone off).\n"
        "- Pack it with its accessories, in its original box if you still have it.\n"
        "- Start the return in your account or with an agent: you get a label for the parcel service.\n\n"
        "We refund the device's price within 14 days of receiving it. Devices bought in a store are returned "
        "in a store.",
        PHONES,
        ("other",),
        Audience.CUSTOMERS,
    ),
    (
        "Exchanging a faulty device",
        "A new device that is faulty on arrival is exchanged for a new one; later faults are repaired.",
        "A device faulty within 14 days of delivery (dead on arrival, broken screen out of the box) is exchanged "
        "for a new one: we send the new one and a label to return the faulty one.\n\n"
        "After 14 days, a fault covered by the warranty is repaired (see repairs and loan phones).",
        PHONES,
        ("damaged-device",),
        Audience.CUSTOMERS,
    ),
    (
        "Repairs and loan phones",
        "Faults under warranty are repaired free of charge, in about 5 working days; ask for a loan phone.",
        "- Back up your phone, reset it and remove your accounts.\n"
        "- Start a repair in your account or with an agent; send the phone with the label or bring it to a store.\n"
        "- Ask for a loan phone: we send one with your repair label, and you return it with the repaired one.\n\n"
        "Damage by a fall or water is not covered by the warranty: we quote the repair before we start.",
        PHONES,
        ("damaged-device",),
        Audience.CUSTOMERS,
    ),
    (
        "Understanding your bill",
        "What each line of your bill means: monthly charges, one-time charges, usage beyond your bundle.",
        "Your bill has three parts.\n\n"
        "- Monthly charges: your plans, paid in advance for the coming month.\n"
        "- One-time charges: a device, a connection fee, an installation.\n"
        "- Usage: data, calls and texts beyond what your plans include, for the past month.\n\n"
        "The first bill after a change covers part of a month at the old price and part at the new one.",
        (),
        ("billing-question",),
        Audience.CUSTOMERS,
    ),
    (
        "Usage alerts and spend caps",
        "Set a spend cap on a product's usage: we alert you at 80% and 100%, by e-mail and in the app.",
        "A spend cap is the most you want to spend on a product's usage beyond your bundle in a billing "
        "period. We send an alert when your usage reaches 80% of the cap and again at 100%.\n\n"
        "Set or change it in your account, in the app, or with an agent. Data boosts add data for the rest of "
        "the period when you need more.",
        (*MOBILE, "data-boost"),
        ("billing-question",),
        Audience.CUSTOMERS,
    ),
    (
        "TV: no picture or no channels",
        "A black screen or missing channels: check the TV's input, restart the TV box, check your package.",
        "- Choose the right input (HDMI) on the TV.\n"
        "- Restart the TV box: unplug it for 30 seconds.\n"
        "- Missing sports channels? They come with the TV Sports package.\n\n"
        "The TV box needs the internet: if the internet is down too, see Fibre: no internet connection.",
        ("tv-basic", "tv-sports"),
        ("no-service",),
        Audience.CUSTOMERS,
    ),
    (
        "Agents: testing a fibre line before a ticket",
        "Before a no-service or slow-connection ticket: line test, router reboot from remote, known outages.",
        "- Check known outages for the customer's postcode first: link the ticket to the outage.\n"
        "- Run the line test from the fixed stack; a loss of light means an engineer visit.\n"
        "- Reboot the router remotely and ask the customer to test over a cable.\n"
        "- Note the test results in the ticket: the back office will not repeat them.",
        FIBRE,
        ("no-service", "slow-connection"),
        Audience.AGENTS,
    ),
]


@transaction.atomic
def load_demo_articles() -> int:
    """Create the demo articles that are not there yet (by title), published; returns how many were made."""
    categories = {
        code: TicketCategory.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in CATEGORIES.items()
    }
    offerings = {}
    for key, (system, external_id) in IMPORTED.items():
        found = ProductOffering.objects.filter(source_system=system, external_id=external_id).first()
        if found is not None:
            offerings[key] = found
    made = 0
    for title, summary, body, offering_keys, codes, audience in ARTICLES:
        if Article.objects.filter(title=title).exists():
            continue
        article = article_save(
            Article(title=title, summary=summary, body=body, audience=audience, status=ArticleStatus.PUBLISHED)
        )
        linked = [offerings[k] for k in offering_keys if k in offerings]
        article.offerings.set(linked)
        article.specifications.set({o.specification for o in linked if o.specification_id})
        article.categories.set([categories[c] for c in codes])
        made += 1
    return made
