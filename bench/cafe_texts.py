"""The written texts of the café month (`bench.cafe_traffic`): the menu, slot values,
FAQ topics with replies and follow-ups, menu and allergy questions, complaints,
documents and generation tasks, in English and Russian. Data only.

Templates name slots in braces (`{dish}`, `{time}`); `bench.cafe_traffic` fills
them. `text_lines` reads a block of texts, one a line.
"""

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass


def text_lines(block: str) -> tuple[str, ...]:
    """One text per line; a line indented deeper than the first continues the text above."""
    texts: list[str] = []
    lines = [line for line in textwrap.dedent(block).splitlines() if line.strip()]
    for line in lines:
        if line[0].isspace() and texts:
            texts[-1] += " " + line.strip()
        else:
            texts.append(line.strip())
    return tuple(texts)


# -- slots ---------------------------------------------------------------------------

MAINS: Mapping[str, str] = {
    "avocado toast": "smashed avocado, chilli flakes, lime and a poached egg on toasted sourdough",
    "full breakfast": "two eggs, bacon, a pork sausage, beans, mushrooms, tomato and toast",
    "veggie breakfast": "two eggs, halloumi, a veggie sausage, beans, mushrooms, tomato and toast",
    "shakshuka": "eggs baked in a spiced tomato and pepper sauce with feta, with flatbread",
    "club sandwich": "chicken, bacon, egg, lettuce, tomato and mayo on toast, with crisps",
    "halloumi wrap": "grilled halloumi, roasted peppers, rocket and basil pesto in a tortilla",
    "vegetable lasagne": "courgette, spinach, ricotta and tomato sauce, with a side salad",
    "soup of the day": "today's tomato and red pepper soup (mild) with sourdough and butter",
    "caesar salad": "cos lettuce, croutons, parmesan and Caesar dressing, chicken optional",
}
BAKES: Mapping[str, str] = {
    "carrot cake": "spiced carrot sponge with walnuts and cream cheese icing",
    "banana bread": "a banana loaf with cinnamon, served warm with butter",
    "almond croissant": "a butter croissant filled with almond frangipane and flaked almonds",
}
DISHES: Mapping[str, str] = {**MAINS, **BAKES}

SLOT_VALUES: Mapping[str, tuple[str, ...]] = {
    "day": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Saturday",
            "Sunday", "Sunday", "Sunday"),
    "day_ru": ("понедельник", "среду", "пятницу", "субботу", "субботу", "воскресенье",
               "воскресенье"),
    "holiday": ("Christmas Eve", "Boxing Day", "Easter Monday", "New Year's Day",
                "the bank holiday Monday"),
    "drink": ("espresso", "americano", "flat white", "cappuccino", "latte", "chai latte",
              "hot chocolate", "pot of tea", "large latte", "oat flat white"),
    "drink_ru": ("капучино", "латте", "флэт уайт", "американо", "горячий шоколад", "чай латте"),
    "food": ("butter croissant", "almond croissant", "banana bread", "carrot cake", "brownie",
             "avocado toast", "full breakfast", "shakshuka", "club sandwich", "halloumi wrap",
             "lasagne", "soup"),
    "dish": tuple(MAINS),
    "bake": tuple(BAKES),
    "item": tuple(DISHES),
    "dish_ru": ("лазанья", "шакшука", "клубный сэндвич", "ролл с халуми", "салат цезарь",
                "авокадо-тост", "морковный торт"),
    "ingredient": ("mayo", "bacon", "the egg", "tomato", "lettuce", "the crisps"),
    "n": ("2", "2", "3", "4", "4", "5", "6", "two", "four", "8"),
    "time": ("7pm", "12:30", "1pm", "10am", "6:30", "half 12", "8.15", "11", "9:30", "2pm"),
    "time_ru": ("19:00", "12:30", "13:00", "10:00", "18:30", "9:30"),
    "n_ru": ("2", "3", "4", "5", "6", "8"),
    "area": ("Marsh Lane", "the university", "Northgate", "Seaview Road", "Hillside",
             "the retail park", "Old Town", "Mill Street"),
    "staff": ("the barista with the beard", "the tall guy at the till", "the waitress",
              "the young woman at the counter", "your manager"),
    "person": ("my son", "my daughter", "my wife", "my husband", "a friend", "my mum",
               "one of our guests"),
    "allergen": ("peanuts", "tree nuts", "sesame", "milk", "eggs", "celery", "mustard", "soy"),
    "language": ("Russian", "French", "Spanish", "Polish", "German"),
    "event": ("jazz night", "Halloween party", "charity bake sale", "kids' pancake morning",
              "book club evening"),
    "budget": ("15", "18", "20", "25", "30", "35"),
    "month": ("January", "March", "April", "June", "July", "September", "October", "November"),
}  # fmt: skip


# -- FAQ -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    questions: tuple[str, ...]
    reply: str
    follow_ups: tuple[str, ...]
    questions_ru: tuple[str, ...] = ()
    reply_ru: str = "Да, конечно. Что-нибудь ещё подсказать?"


FAQ_TOPICS: Mapping[str, Topic] = {
    "hours": Topic(
        text_lines("""
            are you open on {day}?
            What time do you close on {day}?
            What are your opening hours?
            when do you open tomorrow
            Are you open on {holiday}?
            how late are you open tonight?
            What time does the kitchen stop serving food?
            is the café open right now?
            What time do you open on {day} morning?
            Do you close early on {day}s?
            opening times?
            until what time can I get breakfast?
            Hi, are you open {day} evening?
            r u open on {day}
            What time do you close today?
        """),
        "We're open Monday to Thursday 7:30-18:00, Friday 7:30-21:00, Saturday 8:30-21:00 and "
        "Sunday 9:00-16:00. The kitchen takes last orders 45 minutes before closing.",
        text_lines("""
            and on sunday?
            what about saturday
            and the kitchen?
            is that the same on bank holidays?
            And what time do you stop serving breakfast?
            ok and tomorrow?
            so you're open late on {day}?
        """),
        text_lines("""
            вы работаете в {day_ru}?
            до скольки вы сегодня открыты?
            какой у вас график работы?
            во сколько открываетесь завтра?
            кухня до скольки работает?
        """),
        "Мы работаем пн-чт 7:30-18:00, пт 7:30-21:00, сб 8:30-21:00, вс 9:00-16:00.",
    ),
    "address": Topic(
        text_lines("""
            What's your address?
            where are you located
            How do I get to you from Eastbrook station?
            Which bus stops near the café?
            Are you the café opposite the ferry terminal?
            can you send me the address pls
            Is there step-free access?
            Where exactly are you on Harbour Street?
        """),
        "We're at 14 Harbour Street, Eastbrook, opposite the ferry terminal. Buses 12 and 31 "
        "stop right outside.",
        text_lines("""
            is there parking nearby?
            which bus goes there from the station?
            is it step free?
            how long is the walk from the station?
        """),
        text_lines("""
            какой у вас адрес?
            как до вас добраться от вокзала?
            где вы находитесь?
        """),
        "Мы на Harbour Street, 14, напротив паромного терминала; автобусы 12 и 31.",
    ),
    "price": Topic(
        text_lines("""
            How much is a {drink}?
            how much is the {food}
            What's the price of a large latte?
            Do you charge extra for oat milk?
            how much for two {drink}s and a {food}?
            What's the cheapest coffee you do?
            How much is the full breakfast?
            price for a {drink}?
            how much does a slice of carrot cake cost
        """),
        "A flat white is £3.30 and a large cappuccino or latte £3.90; plant milks are 40p extra.",
        text_lines("""
            and a large one?
            do you charge for oat milk?
            ok and a {food}?
            is that the same price for takeaway?
        """),
        text_lines("""
            сколько стоит {drink_ru}?
            сколько у вас стоит завтрак?
            цена на большой латте?
        """),
        "Флэт уайт стоит £3.30, большой латте или капучино £3.90, растительное молоко +40p.",
    ),
    "wifi": Topic(
        text_lines("""
            do you have wifi?
            What's the wifi password?
            Is the wifi free?
            Can I work on my laptop there for a couple of hours?
            are there plugs to charge my laptop?
            is your wifi fast enough for video calls?
            wifi?
        """),
        "Yes, the Wi-Fi is free: the network is CopperKettle-Guests and the password is on your "
        "receipt.",
        text_lines("""
            is there a time limit?
            are there sockets near the tables?
            ok what's the password then
        """),
        text_lines("""
            у вас есть вай-фай?
            какой пароль от wifi?
        """),
        "Да, Wi-Fi бесплатный: сеть CopperKettle-Guests, пароль на чеке.",
    ),
    "delivery": Topic(
        text_lines("""
            Do you deliver to {area}?
            do you deliver
            What's the minimum order for delivery?
            How much is delivery?
            Are you on Deliveroo?
            How long does delivery usually take?
            Can I order online and collect?
            until what time do you deliver?
            Can you deliver coffee to my office near {area}?
        """),
        "Our riders deliver within 2 miles from 10:00 to 17:00 every day: minimum order £12, "
        "£2 delivery, free over £25. We're on Deliveroo too.",
        text_lines("""
            do you deliver to {area}?
            how long does it take?
            what's the minimum order?
            can I pay cash on delivery?
        """),
        text_lines("""
            вы доставляете на дом?
            сколько стоит доставка?
            до скольки работает доставка?
        """),
        "Доставляем в радиусе 2 миль с 10:00 до 17:00, минимальный заказ £12, доставка £2.",
    ),
    "booking": Topic(
        text_lines("""
            Can I book a table for {n} on {day} at {time}?
            Do I need to book for brunch on {day}?
            I'd like to reserve a table for {n} people please
            Do you take bookings?
            table for {n} tomorrow at {time}?
            Can I book the big table by the window?
            How long do you hold a table if we're late?
        """),
        "",  # a booking reply asks for the next detail, see _Writer._booking_reply
        text_lines("""
            can we sit outside?
            actually can we make it {n} people?
            is there a high chair?
        """),
        text_lines("""
            можно забронировать столик на {n_ru} человек в {day_ru}?
            хочу забронировать стол на завтра на {time_ru}
            у вас можно бронировать столики?
        """),
        "Конечно! На какое время и на сколько человек?",
    ),
    "parking": Topic(
        text_lines("""
            Is there parking nearby?
            where can i park
            Is parking free on Sundays?
            Can I park outside the café?
            Do you have bike racks?
            Is there a disabled parking space close by?
        """),
        "We don't have our own car park, but there's pay-and-display on Quay Road, two minutes "
        "away, free on Sundays. There are bike racks outside.",
        text_lines("""
            is it free on sundays?
            and do you have bike racks?
        """),
        text_lines("""
            где у вас можно припарковаться?
            есть парковка рядом?
        """),
        "Своей парковки нет, есть платная на Quay Road в двух минутах, по воскресеньям бесплатно.",
    ),
    "payment": Topic(
        text_lines("""
            Do you take card?
            can I pay with apple pay
            Do you accept cash?
            Can we split the bill?
            Do you take Amex?
            Do you sell gift cards?
            Is there a card minimum?
        """),
        "We take all cards, Apple Pay, Google Pay and cash (but not cheques).",
        text_lines("""
            can we split the bill?
            and amex?
        """),
        text_lines("""
            можно оплатить картой?
            вы принимаете наличные?
        """),
        "Принимаем карты, Apple Pay, Google Pay и наличные.",
    ),
    "policy": Topic(
        text_lines("""
            Are dogs allowed?
            Do you have high chairs?
            Can we bring our own birthday cake?
            Do you have a loyalty card?
            Do you have toilets for customers?
            Is there a kids menu?
            Do you have baby changing?
            Can I just come in for a coffee without booking?
        """),
        "Dogs are welcome downstairs; we have high chairs, baby changing, customer toilets, a "
        "kids' menu and a stamp card (the tenth coffee is free). Anything else?",
        text_lines("""
            and is the garden dog friendly too?
            do you have a kids menu as well?
        """),
        text_lines("""
            с собакой можно?
            есть детские стульчики?
        """),
        "С собаками можно на первом этаже, детские стульчики есть.",
    ),
    "order": Topic(
        text_lines("""
            Can I order two flat whites for pickup at {time}?
            I'd like a large latte and an almond croissant to take away
            can I pre-order breakfast for {n} for {time}?
            one {drink} and a {food} for collection please
        """),
        "Sure, I've noted that. Anything else with your order?",
        text_lines("""
            that's all thanks
            yes please
            make that two
        """),
    ),
    "busy": Topic(
        text_lines("""
            Is it busy at lunchtime?
            Will I get a table on {day} around {time} without booking?
            when is the quietest time to come with a pram?
        """),
        "Weekday lunchtimes and weekend mornings are our busiest times; mid-afternoon is "
        "usually quiet.",
        text_lines("""
            and on {day}?
            so should I book?
        """),
    ),
    "smalltalk": Topic(
        (),
        "Hi! I'm Kettle, the Copper Kettle's assistant. I can help with opening hours, the "
        "menu, bookings and delivery.",
        text_lines("""
            ok what time do you close today?
            can I see the menu?
        """),
    ),
}

FAQ_TOPIC_WEIGHTS: Mapping[str, float] = {
    "hours": 0.20,
    "address": 0.09,
    "price": 0.15,
    "wifi": 0.07,
    "delivery": 0.10,
    "booking": 0.07,
    "parking": 0.06,
    "payment": 0.07,
    "policy": 0.10,
    "order": 0.05,
    "busy": 0.04,
}

# (text, topic): the topic picks the bot's answer.
GENERIC_FAQ_FOLLOW_UPS: tuple[tuple[str, str], ...] = (
    ("ok thanks, what about parking?", "parking"),
    ("great, and do you have wifi?", "wifi"),
    ("thanks! are you open on {day}?", "hours"),
    ("cool, how much is a {drink}?", "price"),
    ("perfect thank you", "thanks"),
    ("thanks, that's all", "thanks"),
    ("one more thing - do you take card?", "payment"),
    ("brilliant. do you deliver to {area} as well?", "delivery"),
)
GENERIC_FAQ_FOLLOW_UPS_RU: tuple[tuple[str, str], ...] = (
    ("а в воскресенье?", "hours"),
    ("спасибо! а парковка рядом есть?", "parking"),
    ("а wifi есть?", "wifi"),
    ("ок, а доставка сколько стоит?", "delivery"),
    ("спасибо", "thanks"),
    ("поняла, спасибо большое", "thanks"),
)
THANKS_REPLY = "You're welcome! See you soon at The Copper Kettle."
THANKS_REPLY_RU = "Пожалуйста! Ждём вас в The Copper Kettle."
BOOKED_REPLY = "Perfect, you're booked in. We'll hold the table for 15 minutes - see you then!"
BOOKING_QUESTIONS: Mapping[str, str] = {
    "date": "Happy to help! For which date would you like the table?",
    "time": "Lovely. What time would you like to come?",
    "people": "How many guests will there be?",
    "name": "And what name should I put the booking under?",
}
SLOT_GROUPS: Mapping[str, str] = {
    "date": "date",
    "time": "time",
    "people": "people",
    "first_name": "name",
    "last_name": "name",
}


# -- menu ----------------------------------------------------------------------------

MENU_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("is the {dish} vegetarian?", "The {dish} is {desc}."),
    ("Is the {dish} vegan?", "The {dish} is {desc}; ask us and we'll suggest a vegan swap."),
    ("what's in the {dish}?", "The {dish} is {desc}."),
    ("What comes with the full breakfast?", "Eggs, bacon, sausage, beans, mushrooms and toast."),
    ("what's in the {bake}?", "The {bake} is {desc}."),
    ("do you have oat milk?", "Yes, we have oat, soy and almond milk for 40p extra."),
    ("Which plant milks do you have?", "Oat, soy and almond, 40p extra."),
    ("is the soup spicy?", "Today's soup is tomato and red pepper and it's mild."),
    ("What's the soup today?", "Today it's tomato and red pepper, served with sourdough."),
    ("How big is the large latte?", "The large is 12 oz; the regular is 8 oz."),
    ("what size is a regular cappuccino", "A regular is 8 oz, a large 12 oz."),
    ("Can I get the club sandwich without {ingredient}?", "Of course, just tell us when ordering."),
    ("does the club sandwich come with chips?", "It comes with crisps; chips aren't on the menu."),
    ("Is the shakshuka served with bread?", "Yes, it comes with warm flatbread."),
    ("Do you do decaf?", "Yes, any coffee can be made with decaf beans."),
    ("is the hot chocolate made with real chocolate?", "Yes, with 54% dark chocolate and milk."),
    ("Is the chai latte sweet?", "It's lightly sweetened; we can make it less sweet."),
    ("how many shots in a flat white", "Two shots of espresso."),
    ("is the avocado toast big enough for lunch?", "It's two slices, most find it filling."),
    ("Do you have anything vegan for breakfast?", "The avocado toast without egg is vegan."),
    ("What cakes do you have today?", "Carrot cake, banana bread and the brownie."),
    ("Is the halloumi wrap served hot?", "Yes, the halloumi is grilled to order."),
    ("do you have sugar free syrups?", "We have sugar-free vanilla and caramel."),
    ("Is the lasagne made in house?", "Yes, the vegetable lasagne is made in our kitchen daily."),
    ("can I have the caesar salad without anchovies", "Yes, we can leave them out."),
    ("whats the difference between a flat white and a latte", "A flat white is smaller and "
     "stronger, with less milk."),
    ("Do you do kids portions of the {dish}?", "Yes, most dishes come in a half portion."),
    ("Do you have iced coffee?", "Yes, iced latte and iced americano all year round."),
    ("is there meat in the {dish}?", "The {dish} is {desc}."),
    ("Does the carrot cake have icing?", "Yes, cream cheese icing."),
    ("What bread is the avocado toast on?", "Toasted sourdough."),
)  # fmt: skip
MENU_QUESTIONS_RU = text_lines("""
    {dish_ru} вегетарианская?
    что входит в клубный сэндвич?
    суп острый?
    какой объём у большого латте?
    у вас есть овсяное молоко?
    есть что-нибудь веганское на завтрак?
    какой сегодня суп?
    есть кофе без кофеина?
""")
MENU_FOLLOW_UPS: tuple[tuple[str, str], ...] = (
    ("and is the {dish} vegetarian too?", "The {dish} is {desc}."),
    ("what about the {dish}?", "The {dish} is {desc}."),
    ("can I have it with oat milk?", "Yes, any drink can be made with oat milk for 40p extra."),
    ("ok and what's in the {dish}?", "The {dish} is {desc}."),
    ("does it come with anything on the side?", "It comes with a small side salad or crisps."),
)
MENU_REPLY_RU = "Да, всё так; подробнее подскажет бариста на месте."
MENU_FOLLOW_UPS_RU = text_lines("""
    а лазанья вегетарианская?
    а можно на овсяном молоке?
""")
ALLERGY_QUESTIONS = text_lines("""
    I have a severe nut allergy. Is the {item} safe for me?
    my son is allergic to peanuts, can he have the carrot cake?
    Do the almond croissants get baked on the same trays as the butter ones? I'm anaphylactic to
        tree nuts
    I'm coeliac - is the gluten-free brownie made in a separate area or could there be
        cross-contamination?
    can you guarantee there are no traces of nuts in the {item}?
    I have a sesame allergy, which of your breads are safe?
    Is there any dairy in the {item}? {person} has a cow's milk protein allergy
    {person} carries an epipen for nuts, what can they eat from your menu?
    are your oats certified gluten free? I have coeliac disease
    Does the soup contain celery? I'm allergic
    I'm allergic to eggs, what can I have for breakfast?
    do you use peanut oil for frying anything?
    Is the pesto in the halloumi wrap made with pine nuts? Severe allergy here
    my toddler has a sesame and egg allergy, is anything on the kids menu ok?
    Do you have a written allergen list? I'm coeliac and need to know about the lasagne
    is the oat milk gluten free? coeliac so even traces matter
    {person} is allergic to {allergen} - which dishes should we avoid?
""")
ALLERGY_QUESTIONS_RU = text_lines("""
    у ребёнка аллергия на орехи, что ему можно заказать?
    у меня целиакия, брауни точно без глютена? готовится отдельно?
    есть ли в супе сельдерей? у меня аллергия
    у мужа аллергия на кунжут, авокадо-тост ему можно?
""")
ALLERGY_REPLY = (
    "Please speak to our staff before ordering: the kitchen handles nuts, gluten, sesame, milk "
    "and eggs, so we can't guarantee any dish is free from traces. The allergen sheet is at the "
    "counter."
)
ALLERGY_REPLY_RU = "Пожалуйста, уточните у персонала: на кухне есть орехи, глютен и кунжут."


# -- edge cases ----------------------------------------------------------------------

EDGE_TEXTS = text_lines("""
    I ordered the {dish} for delivery at {time} and it still hasn't arrived. It's been over an
        hour. Where is it?
    My order #{order} was wrong. I asked for oat milk in both coffees and got regular milk, and
        I'm lactose intolerant. What are you going to do about it?
    I was charged twice for my order yesterday, {amount} each time. Please fix this.
    I want a refund for the {dish}. It was cold and half of it was missing.
    {staff} was incredibly rude to my mother this morning. Rolled their eyes and refused to help
        her with the card machine. I expect an apology.
    Me and my partner both got sick after eating the {dish} on {day}. We were up all night. I
        think it was food poisoning.
    Your staff asked my friend to leave for breastfeeding. Do you realise that is illegal?
    I'm going to report you to environmental health. There was a hair in my {dish} and when I
        told the waiter he just shrugged.
    Can I speak to a manager please? Not the bot. A human.
    I'd like you to delete all the personal data you hold about me - my email, phone number and
        loyalty account. Please confirm when it's done.
    Under GDPR I'm requesting a copy of all the information you have on me, including CCTV
        footage from {day}.
    Why does my bank statement show {amount} from Copper Kettle when I only bought a flat white?
    I booked a table for {n} on {day} at {time}, we arrived on time and there was no table. We
        stood there for 20 minutes with the kids. Not okay.
    The delivery rider left my order at the wrong address and now it's gone. I paid {amount}. I
        want my money back or a new order.
    I paid for a large latte and got a regular. Small thing but it keeps happening, third time
        this month.
    I'm a solicitor acting for a client who slipped on your wet floor on {date}. Please provide
        the name and address of your insurer.
    I found a piece of plastic in my {dish}. I nearly swallowed it. I've kept it and taken photos.
    You sell the brownie as gluten free but my coeliac daughter reacted after eating it. How
        exactly is it made and who checked it?
    Your website said you were open until 9 on {day} but the doors were locked at 6. I travelled
        40 minutes with my kids for nothing.
    Hi, I left my laptop bag in the café yesterday around {time}. Has anyone found it? It's
        black with a red tag. There's work stuff in it I really need.
    I've been waiting 3 weeks for the refund you promised. This is the third time I'm writing.
    The gift voucher I got for my birthday was refused by your staff. It says valid until the
        end of the year. Why?
    Your loyalty app took my stamps away after the update. I had 9 out of 10. Can you put them back?
    I'm really disappointed. We came for my dad's 70th, I'd pre-ordered a cake and it wasn't
        there. Nobody seemed to know anything about it.
    The music was so loud on {day} night we couldn't hear each other. When I asked to turn it
        down the barista laughed at me.
    Your delivery driver was smoking while handing me my food and got aggressive when I
        mentioned it.
    I'd like to make a formal complaint about the way my son was spoken to by your manager on {day}.
    There were cockroaches near the toilets. I took a video. Either you explain or it goes on
        TikTok.
    I got charged a service charge of {amount} that nobody told me about. I want it removed.
    I'm the neighbour upstairs. Your extractor fan runs until midnight and your bins are emptied
        at 5am. This has to stop or I'll contact the council.
    My card was declined at the till but the money has left my account. Now it shows twice. Who
        do I contact?
    I ordered through Deliveroo and the bag was ripped open, one coffee spilled everywhere.
        Deliveroo says it's your problem, you say it's theirs. Who pays me back?
    The receipt says {amount} but the menu price is lower. You've overcharged me - is this a scam?
    Your barista wrote a nasty word on my cup. I have a photo. This is harassment.
    I have a question and a complaint. First, can I book the upstairs room for 30 people next
        month? Second, last time we booked we were overcharged for the drinks and nobody ever
        answered my email.
    Can you do a birthday for 14 on a Friday evening, with a vegan option for 3 people and one
        who can't have gluten, and can we bring our own wine, and how much deposit would that be,
        and can we stay past 11?
    My daughter had an allergic reaction after your carrot cake. She's fine now but we ended up
        in A&E. I need to know exactly what was in it.
    Can I get compensation for my dry cleaning? A waiter spilled a full pot of tea on my coat.
    I've been a regular for 5 years and today I was told I can't sit with my laptop for more
        than an hour. Since when? Nobody told me. I feel like I'm being pushed out.
    I don't understand your cancellation policy. I cancelled my catering order 9 days in advance
        and you kept the whole deposit. Explain please.
    Is it true you're sharing customer emails with marketing companies? I got spam mentioning
        your café the day after I signed up.
    You have CCTV pointed at the tables. Where is the sign, and how long do you keep the footage?
    I want to cancel my catering order for {date} and get the deposit back. Your terms say
        something about 14 days but I don't agree with it.
    I came in with my assistance dog and was told to leave. This is discrimination and I know my
        rights.
    The coffee tasted of bleach. I'm not joking. I'm worried about what I drank.
    Your bot told me you were open on Christmas Eve until 6, we came at 3 and you were closed.
        Who is responsible for that?
    hi I ordered 3 club sandwiches for a work lunch and got 3 halloumi wraps. we had a client
        meeting. very embarrassing. what now?
    The tip got added to my bill automatically and I didn't want to tip. How do I get it back?
    I'm from the Eastbrook Gazette. We've had reports of a food safety issue at your café last
        week. Can you comment?
    I paid a {amount} deposit for the private room and haven't heard anything for two weeks. Is
        my booking even real?
    Your staff put nuts on my salad after I clearly said nut allergy. I had to use my epipen. I
        want to know what you're going to do.
    The portions have shrunk and prices have gone up. £8.50 for a sandwich that small is a joke.
    Why was I refused service? I was polite. The man at the counter said he doesn't serve people
        like me. I want an explanation.
    I was given the wrong change, I'm short {amount}. I only noticed when I got home.
    We had an awful experience on {day}: 45 minute wait for food, cold eggs, and then they
        charged us for the drinks we sent back.
    I want to dispute a charge on my card from {date}. I wasn't even in Eastbrook that day.
    Stop sending me marketing emails. I've unsubscribed three times already.
    You owe me an apology. I asked a simple question and your bot answered nonsense three times.
    Can you explain how my details from the loyalty scheme are stored, who has access, and
        whether I can get them deleted without losing my points?
    I tripped on the step at the entrance and hurt my wrist. There was no warning sign. What is
        your insurance company?
    your online order page took my money but never confirmed the order. what's going on??
        {amount} gone
    I'm a supplier and invoice {order} is 60 days overdue. Who do I speak to about payment?
    The birthday cake you made had the wrong name on it and the wrong flavour. We paid extra for
        it and my daughter cried.
    The table we booked was next to the toilets and when we asked to move the waiter said it was
        our problem.
    I think I left my card at the till this morning. I've already blocked it but could someone
        keep it safe and tell me when I can pick it up?
    ok so three things: my coffee was cold, the sandwich was wrong, and when I asked for the
        manager nobody came. I'm not coming back unless someone calls me.
    I ordered for {time} collection, came at {time} and had to wait 25 minutes while people who
        came after me got served. Then the order was wrong anyway.
    Our office orders from you every Friday. This week 2 of the 8 coffees were missing and the
        driver said it's not his job. Do we get credit on the account?
""")
EDGE_TEXTS_RU = text_lines("""
    Заказывала доставку в {time_ru}, прошло больше часа, ничего нет. Где заказ?
    Вчера с карты списали деньги два раза. Верните, пожалуйста, лишнее.
    Официант нам нахамил, когда мы попросили пересадить нас. Хочу поговорить с администратором.
    После вашего салата всю ночь было плохо. Это уже второй раз.
    Прошу удалить все мои персональные данные из программы лояльности.
    Привезли не тот заказ, а курьер отказался ждать. Что теперь делать?
    Мы бронировали столик на {n_ru} человек, пришли вовремя, а стола нет. Очень неприятно.
    В кофе был волос. Бариста просто пожал плечами.
    Вы обещали вернуть деньги две недели назад, до сих пор ничего.
    Хочу оставить жалобу на администратора, который разговаривал с моей мамой очень грубо.
    Мне нужно: перенести банкет на другую дату, вернуть часть предоплаты и понять, почему в
        счёте лишние позиции.
""")
EDGE_REPLY = (
    "I'm really sorry about this. I've passed your message to our manager, who will get back "
    "to you today. Could you share your order number and the best way to contact you?"
)
EDGE_REPLY_RU = "Очень жаль, что так вышло. Я передала ваше сообщение управляющему."
EDGE_ESCALATIONS = text_lines("""
    can I get a refund then?
    that's not good enough, I want someone to call me today
    so who do I actually talk to?
    My order number is {order}. I paid {amount} and I want it back.
    I don't want a voucher, I want my money back
    I'll be leaving a review everywhere if this isn't sorted by tomorrow
    how long will that take? I've already waited a week
    is that it? a copy-paste apology?
    I've already emailed the manager twice and got nothing.
    and what about the dry cleaning bill? I have the receipt
    No. I want to know what happened and who is responsible.
""")
EDGE_ESCALATIONS_RU = text_lines("""
    тогда верните деньги
    позовите администратора, пожалуйста
    это не ответ. я хочу поговорить с живым человеком
""")
# A guest annoyed by the bot's answer to a plain question.
EDGE_FRUSTRATIONS = text_lines("""
    that's not what I asked
    that's not what I asked. I want to know if you're open on {day}, yes or no
    you already said that. can I talk to an actual person?
    that's wrong, I was there last {day} at {time} and it was closed. I came for nothing
    why is it so expensive now? it was much cheaper last month and the portion was bigger
    ok but last time the {dish} made me ill, so I'm not sure I trust it
    useless. I'll just call. oh wait nobody answers the phone
    you're not listening. I asked about the booking I ALREADY made, not a new one
""")
EDGE_FRUSTRATIONS_RU = text_lines("""
    вы не ответили на мой вопрос
    это неправда, я была у вас в {day_ru} и было закрыто
""")


# -- documents and generation ----------------------------------------------------------

CONTRACT_HEAD = "THE COPPER KETTLE LTD - OUTSIDE CATERING TERMS AND CONDITIONS (version 3, {month})"
CONTRACT_CLAUSES = text_lines("""
    1. Definitions. "We" means The Copper Kettle Ltd, 14 Harbour Street, Eastbrook. "You" means
        the person or organisation named on the booking form. "Event" means the catered occasion
        described in the confirmed quotation, including the date, venue, number of guests and menu.
    2. Quotations and deposit. Quotations are valid for 30 days. A booking is confirmed only
        when we have received the signed booking form and a non-refundable deposit of 25% of the
        quoted total. Until then we may offer the date to other customers without notice.
    3. Final numbers. You must confirm final guest numbers and dietary requirements no later
        than 7 days before the Event. We will charge for the confirmed number even if fewer guests
        attend. Increases of up to 10% can usually be accommodated until 72 hours before the Event;
        larger increases are subject to availability.
    4. Cancellation by you. If you cancel more than 30 days before the Event, we keep the
        deposit only. Between 30 and 14 days before, 50% of the quoted total is payable; between 13
        and 3 days, 75%; within 72 hours, 100%. Cancellation must be made in writing to
        events@copperkettle.example and takes effect on the day we receive it.
    5. Payment. The balance is due 5 working days before the Event. Additional items ordered on
        the day (extra drinks, overtime, breakages) are invoiced afterwards and payable within 14
        days. Late payments carry interest at 4% above the Bank of England base rate.
    6. Dietary requirements and allergens. We label all dishes with the 14 major allergens. Our
        kitchen handles nuts, sesame, gluten, milk and eggs, and we cannot guarantee that any dish
        is free from traces. You are responsible for passing our allergen information to your
        guests. Meals for guests with severe allergies can be prepared separately on request at
        least 7 days in advance.
    7. Delivery, set-up and collection. We deliver to venues within 10 miles of Eastbrook;
        further distances are charged at £1.20 per mile. You must ensure access to the venue at the
        agreed time, a clear table for the buffet and a power socket within 5 metres. Waiting caused
        by lack of access is charged at £25 per 30 minutes.
    8. Equipment. Platters, urns, chafing dishes and linen remain our property. Equipment that
        is lost or damaged beyond normal wear is charged at replacement cost. Equipment not ready
        for collection at the agreed time may be collected the next working day for a fee of £40.
    9. Staffing. Service staff are charged at £18 per hour per person, minimum 4 hours. Staff
        will not serve alcohol to anyone who appears under 18 or intoxicated. Overtime beyond the
        booked hours is charged in 30-minute units and must be approved by you or your named contact
        on the day.
    10. Food safety. Food is prepared in our registered kitchen (food hygiene rating 5) and
        delivered chilled or hot-held. Hot food left out for more than 2 hours and cold food left
        out for more than 4 hours will be discarded and may not be taken away by guests.
    11. Liability. Our total liability under this contract is limited to the price paid for the
        Event. We are not liable for indirect losses, loss of profit or reactions to ingredients
        that were declared in our allergen information. Nothing in these terms limits liability for
        death or personal injury caused by our negligence.
    12. Events outside our control. We are not liable for failure to perform caused by events
        beyond our reasonable control, including severe weather, road closures, power failure or
        supplier failure. In such cases we will offer an alternative date or a refund of sums paid,
        less costs already incurred.
    13. Complaints. Any complaint about the food or service must be raised with the staff on the
        day, or in writing within 48 hours of the Event, with photographs where possible. We cannot
        consider complaints about food that has been eaten in full.
    14. Data protection. We use your contact details only to deliver the Event and to send the
        invoice. We do not share them with third parties except our payment processor. You may ask
        us to delete your details once the invoice has been paid.
    15. Governing law. These terms are governed by the law of England and Wales. Any dispute
        will go to the courts of England and Wales, but we will first try to resolve it by
        discussion in good faith.
    Schedule 1 - Buffet packages (per head, minimum 20 guests). Classic: sandwiches on
        sourdough and wraps, crisps, fruit platter, £14. Brunch: mini croissants, shakshuka pots,
        granola with yoghurt, juices, £17. Afternoon tea: finger sandwiches, scones with jam and
        cream, two cakes, tea and coffee, £19. Vegan and gluten-free versions of each package are
        available at the same price if ordered with the final numbers.
    Schedule 2 - Drinks and extras. Coffee and tea station with one barista, £3.20 per head
        (minimum £120). Soft drinks and juices, £2.50 per head. Celebration cake for 20, from £65.
        Linen tablecloths, £8 each. Compostable plates and cutlery are included; china service is
        £1.50 per head plus the breakage terms in clause 8.
    Schedule 3 - Booking form. Client name, billing address, event date, venue address and
        access instructions, contact on the day, guest numbers, package, dietary requirements,
        signature and date. By signing the form you accept these terms and conditions in full.
""")
POLICY_HEAD = "The Copper Kettle - private hire and event booking policy (updated {date})"
POLICY_PARAGRAPHS = text_lines("""
    Spaces. The upstairs Loft seats 40 (60 standing) and can be hired Monday to Saturday from
        18:00. The Garden Room seats 16 and can be hired during opening hours for brunches, baby
        showers and meetings. Whole-venue hire is possible on Sunday evenings only.
    Minimum spend. Friday and Saturday evenings in the Loft: minimum spend £900; other evenings
        £450; Garden Room: £200 per 3-hour slot. If the minimum spend is not reached, the difference
        is charged as room hire.
    Deposit. A deposit of £150 (Garden Room) or £300 (Loft) secures the booking and is deducted
        from the final bill. It is refundable in full if you cancel at least 21 days before the
        event and is kept if you cancel later.
    Timings. Evening events finish at 23:00, with music off at 22:45 and the room cleared by
        23:30 because of our licence and our neighbours. Late finishes are not possible.
    Music. You may bring a DJ or a band for the Loft provided the sound stays below the limiter
        setting. Acoustic music only in the Garden Room. Performers must bring PAT-tested equipment.
    Decorations. Balloons, banners and table decorations are welcome. Confetti, glitter,
        open-flame candles and anything fixed to the walls with tape or pins are not allowed; a
        cleaning fee of £75 applies if they are used.
    Food and cakes. All food must be supplied by us, except a celebration cake, for which there
        is no charge. Set menus start at £22 per head and buffet menus at £16 per head. Menu choices
        and dietary requirements are due 10 days before the event.
    Drinks. Drinks can be pre-paid as a bar tab or paid by guests on the night. Guests may not
        bring their own alcohol, except wine for weddings, at a corkage charge of £12 per bottle.
    Children. Children are welcome at daytime events and until 20:00 at evening events, and must
        be accompanied by an adult at all times.
    Accessibility. The Garden Room is step-free. The Loft is up a staircase of 18 steps and
        there is no lift. Please tell us in advance about any guest who needs assistance and we will
        do our best to help.
    Damage and behaviour. The organiser is responsible for the behaviour of guests and for any
        damage to the premises or equipment, which is charged at cost.
    Changes. We may change the room allocated if numbers change significantly; we will tell you
        as soon as possible. Changes of date are free once, if requested at least 21 days before the
        event.
""")
ALLERGEN_HEAD = (
    "ALLERGEN INFORMATION - The Copper Kettle kitchen, week of {date}. Prepared by the head "
    "chef from supplier specifications. The 14 major allergens are listed per dish; 'may "
    "contain' means the dish is made in a kitchen where that allergen is handled."
)
ALLERGEN_ROWS = (
    ("Butter croissant", "gluten (wheat), milk, eggs", "nuts, sesame", "vegetarian"),
    ("Almond croissant", "gluten (wheat), milk, eggs, nuts (almonds)", "sesame", "vegetarian"),
    ("Banana bread", "gluten (wheat), eggs, milk", "nuts", "vegetarian"),
    ("Carrot cake", "gluten (wheat), eggs, milk, nuts (walnuts)", "sesame", "vegetarian"),
    ("Gluten-free brownie", "eggs, milk, soya", "nuts, gluten (shared kitchen)", "vegetarian"),
    ("Avocado toast", "gluten (wheat, rye), eggs", "sesame, mustard", "vegetarian"),
    ("Full breakfast", "gluten, eggs, milk, sulphites, mustard", "celery, soya", "-"),
    ("Veggie breakfast", "gluten, eggs, milk, soya", "celery, mustard", "vegetarian"),
    ("Shakshuka", "eggs, milk, gluten (flatbread)", "sesame, celery", "vegetarian"),
    ("Club sandwich", "gluten (wheat), eggs, mustard, sulphites", "sesame, milk", "-"),
    ("Halloumi wrap", "gluten (wheat), milk, nuts (pine nuts in pesto)", "sesame", "vegetarian"),
    ("Vegetable lasagne", "gluten (wheat), milk, eggs, celery", "mustard", "vegetarian"),
    ("Tomato and red pepper soup", "celery", "milk, gluten", "vegan"),
    ("Sourdough bread", "gluten (wheat, rye)", "sesame", "vegan"),
    ("Caesar salad", "fish (anchovies), eggs, milk, gluten (croutons), mustard", "-", "-"),
    ("Hummus and crudites", "sesame", "gluten", "vegan"),
    ("Granola pot", "gluten (oats), nuts (hazelnuts), milk", "peanuts, sesame", "vegetarian"),
    ("Oat milk", "gluten (oats, not certified gluten-free)", "-", "vegan"),
    ("Soy milk", "soya", "-", "vegan"),
    ("Almond milk", "nuts (almonds)", "-", "vegan"),
    ("Hot chocolate", "milk, soya", "nuts", "vegetarian"),
    ("Scone with jam and cream", "gluten (wheat), milk, eggs", "nuts", "vegetarian"),
    ("Kids' cheese toastie", "gluten (wheat), milk", "sesame, mustard", "vegetarian"),
    ("Pesto pasta salad", "gluten (wheat), milk, nuts (pine nuts)", "eggs", "vegetarian"),
)  # fmt: skip
ALLERGEN_FOOT = (
    "Recipes and suppliers change. Always ask a member of staff before ordering if you have a "
    "food allergy or intolerance, and tell them every time you order. Sheet valid until the "
    "next menu change; the signed copy is kept at the counter."
)
INVOICE_SUPPLIERS = (
    "Harbour Foods Wholesale Ltd",
    "Eastbrook Dairy Co-operative",
    "Greenleaf Produce",
    "Roastworks Coffee Ltd",
)
INVOICE_PRODUCTS = (
    ("Whole milk 2L", 1.65), ("Semi-skimmed milk 2L", 1.55), ("Oat milk barista 1L", 2.10),
    ("Soy milk barista 1L", 1.95), ("Almond milk 1L", 2.25), ("Double cream 1L", 4.80),
    ("Free-range eggs x30", 7.90), ("Unsalted butter 2kg", 14.60), ("Halloumi 1kg", 11.20),
    ("Feta 900g", 8.40), ("Parmesan 1kg", 16.90), ("Avocados (box of 20)", 18.50),
    ("Vine tomatoes 5kg", 9.75), ("Red peppers 5kg", 11.30), ("Spinach 1kg", 4.20),
    ("Courgettes 5kg", 7.60), ("Cos lettuce x12", 8.90), ("Sourdough loaf", 3.10),
    ("Croissant dough 60pc", 27.00), ("Ground almonds 1kg", 9.80), ("Walnuts 1kg", 10.40),
    ("Plain flour 16kg", 12.50), ("Caster sugar 5kg", 5.60), ("Dark chocolate 54% 2.5kg", 24.90),
    ("Espresso beans house blend 1kg", 17.50), ("Decaf beans 1kg", 19.20),
    ("Chai concentrate 1L", 8.30), ("Takeaway cups 12oz x1000", 62.00),
    ("Lids 12oz x1000", 28.00), ("Napkins x5000", 21.50), ("Smoked back bacon 2.27kg", 18.40),
    ("Pork sausages x48", 15.90), ("Vegetarian sausages x40", 17.20), ("Baked beans 2.6kg", 3.40),
)  # fmt: skip
INVOICE_FOOT = (
    "Payment terms: 30 days from invoice date. From the 1st of next month the price of oat "
    "and soy barista milks rises by 6%. Please check goods on delivery and report shortages or "
    "damage within 24 hours; claims made later cannot be accepted. Returns are credited on the "
    "next invoice. Bank: Eastbrook Mutual, sort code 00-00-00, account 00000000."
)
REVIEWERS = (
    "Sarah K.",
    "Tom B.",
    "Olga M.",
    "Priya S.",
    "James W.",
    "Anna P.",
    "Mike R.",
    "Dmitry L.",
    "Chloe H.",
    "Ben T.",
    "Fatima A.",
    "Lucy G.",
    "Omar N.",
)
REVIEW_SENTENCES: Mapping[str, tuple[str, ...]] = {
    "good": text_lines("""
        Best flat white in Eastbrook, and the staff remember your order.
        The shakshuka was lovely and came out quickly even on a busy Saturday.
        Great spot to work for a couple of hours, quiet upstairs and the wifi is solid.
        Dog friendly and they brought a water bowl without us asking.
        The carrot cake is huge and properly moist.
        Friendly team, clean toilets, good coffee. What more do you want.
    """),
    "bad": text_lines("""
        Waited 40 minutes for two sandwiches and nobody apologised.
        My latte was lukewarm and when I mentioned it the barista just shrugged.
        Prices have gone up a lot this year and the portions seem smaller.
        They gave our booked table away because we were ten minutes late.
        Too loud on Friday evenings, you can't hear yourself think.
        The delivery arrived cold and the soup had leaked all over the bag.
    """),
    "mixed": text_lines("""
        Food is good but service is slow at weekends, so go early.
        Nice coffee, but the chairs upstairs are really uncomfortable.
        Lovely breakfast, shame the card machine was broken and they only took cash that day.
    """),
}
OWNER_REPLIES = text_lines("""
    Reply from the owner: Thank you so much, we'll pass this on to the team!
    Reply from the owner: We're sorry to hear this. Please email manager@copperkettle.example so
        we can put it right.
    Reply from the owner: Thanks for the feedback - we've added more staff on Saturday mornings.
""")

DOCUMENT_QUESTIONS: Mapping[str, tuple[str, ...]] = {
    "contract": text_lines("""
        We're booking catering for 60 people on {date}. If we cancel 10 days before, how much do
            we lose? These are the terms they sent:
        Can you summarise what we are committing to as the client? Here are the catering terms:
        Which clauses cover allergies, and who is liable if a guest has a reaction?
        A customer wants to move their event from {date} to a week later and says they don't owe
            anything. Based on these terms, are they right?
    """),
    "policy": text_lines("""
        A customer wants to hire the upstairs room for a 40th birthday on a Saturday night with
            a DJ until midnight. Based on our policy, what should I tell them?
        Someone booked the Garden Room, cancelled 10 days before and wants the deposit back.
            What does our policy say and how should I word the reply?
        Can you turn this policy into a short FAQ for our website, 6 questions max?
    """),
    "allergens": text_lines("""
        Using this allergen sheet, which items are safe for someone avoiding sesame and mustard?
        A guest is coeliac and allergic to nuts. From this sheet, what could she safely order
            for breakfast, if anything?
        Check this allergen sheet for mistakes or contradictions before we print it.
    """),
    "invoice": text_lines("""
        Check this invoice - are the totals right and did they already charge us the new oat
            milk price?
        We were short two boxes of avocados on this delivery. Write a claim email to the
            supplier referring to this invoice.
        How much of this invoice is dairy and how much is packaging?
    """),
    "reviews": text_lines("""
        Summarise the main complaints in these reviews and draft a reply to the worst one.
        Here are this month's reviews. What are people happiest and unhappiest about, and what
            should we change first?
        Write replies to each of the negative reviews below, friendly but not grovelling.
    """),
}
DOCUMENT_JSON_QUESTIONS: Mapping[str, tuple[str, ...]] = {
    "contract": (
        "List every fee and deadline in these terms as JSON with fields name, amount and deadline.",
    ),
    "policy": (
        "Give me the deposits and minimum spends from this policy as JSON, one object per room.",
    ),
    "allergens": (
        "Return the allergens as JSON: an object mapping each item to a list of the "
        "allergens it contains.",
    ),
    "invoice": (
        "Extract the line items as JSON with fields product, quantity, unit_price and total.",
    ),
    "reviews": (
        "Classify each review as positive, negative or mixed and return a JSON array "
        "with reviewer, rating, sentiment and main_issue.",
    ),
}
DOCUMENT_QUESTIONS_RU = text_lines("""
    Вот документ. Кратко перескажи по-русски, что в нём главное для нас.
    Прочитай это и скажи, на что нам обратить внимание в первую очередь.
""")
DOCUMENT_FOLLOW_UPS: Mapping[str, tuple[str, ...]] = {
    "contract": text_lines("""
        And what if the weather closes the road and you can't deliver?
        ok and what happens to the equipment if something breaks?
    """),
    "policy": text_lines("""
        can they bring their own wine then?
        what if one of the guests uses a wheelchair?
    """),
    "allergens": text_lines("""
        and what about drinks - which milks are safe for a nut allergy?
        which of these are vegan?
    """),
    "invoice": text_lines("""
        what's the total before VAT then?
        and when do we have to pay it by?
    """),
    "reviews": text_lines("""
        now write a reply to the best one too
        which reviewer should we offer a free coffee to and why?
    """),
}
DOCUMENT_REPLIES: Mapping[str, str] = {
    "contract": "Under clause 4 you would pay 75% of the quoted total if you cancel between 13 "
    "and 3 days before the event; the deposit counts towards it.",
    "policy": "Under the policy the Loft closes at 23:00 with music off at 22:45, so a DJ until "
    "midnight isn't possible; the deposit is £300 and Saturday minimum spend £900.",
    "allergens": "From the sheet, the soup and the hummus contain celery or sesame; the safest "
    "options are listed below, but staff must confirm before ordering.",
    "invoice": "The line totals add up, but oat milk is still at the old price, so the 6% rise "
    "isn't applied yet.",
    "reviews": "The main complaints are slow weekend service, prices and cold deliveries. Here "
    "is a draft reply to the most critical review.",
}

GENERATION_TASKS = text_lines("""
    Write a birthday invitation for my daughter's 8th birthday party at the Copper Kettle on
        {day} at {time}. Around 15 kids, hot chocolate and cupcakes. Make it fun!
    Can you draft a reply to this review: "{review}"
    Write an Instagram post about our new autumn menu: pumpkin spice latte, leek and potato
        soup, apple crumble. Friendly tone, a few emojis, max 80 words.
    Plan a 3-course menu for 40 people within a budget of £{budget} per head, with vegetarian
        and gluten-free options, for a company lunch.
    Translate this menu description into {language}: "{menu_text}"
    Write a short email to our regulars announcing that we're now open late on Fridays with live
        music.
    Draft a job advert for a part-time barista, 20 hours a week, weekends essential, starting in
        {month}.
    write a thank you message for the customers who came to our {event}
    Create a Christmas set lunch menu at £{budget}, three courses, with a vegan option for each
        course and short mouth-watering descriptions.
    Write a short story for our kids' corner about a copper kettle that comes to life, about 300
        words.
    Draft a polite note to our neighbours apologising for the noise during next week's refit.
    Come up with five tagline options for our new loyalty card.
    Plan the staff rota for a Saturday with 3 baristas and 2 kitchen staff, open 8:30 to 21:00,
        nobody works more than 8 hours and everyone gets a 30 minute break.
    Plan a breakfast meeting for 35 people, 2 coffees and a pastry each: how many of each should
        we prepare, and what will it cost at menu prices with a 10% group discount?
    Write the text for a poster about our {event} next month, with date, time and what's on.
""")
GENERATION_JSON_TASKS = text_lines("""
    Plan a 3-course menu for 40 people at £{budget} per head and return it as JSON with fields
        course, dish, description and cost_per_head.
    Come up with 5 Instagram post ideas for this month as JSON: a list of objects with title,
        caption and best_day.
    Make a weekly specials plan for {month} as JSON: one object per weekday with dish, price and
        a one-line description.
""")
GENERATION_TASKS_RU = text_lines("""
    Напиши пост для инстаграма про наше новое осеннее меню: тыквенный латте, суп из лука-порея,
        яблочный крамбл.
    Составь приглашение на день рождения в нашем кафе в {day_ru}, гостей около 20.
    Переведи на русский описание блюда: "{menu_text}"
    Придумай три варианта ответа на отзыв: "Кофе отличный, но ждали заказ 40 минут."
    Составь меню из трёх блюд для банкета на 40 человек, бюджет {budget} фунтов на человека.
""")
GENERATION_REPLY = (
    "Here's a first draft - tell me if you'd like it shorter, more formal or in another "
    "language:\n\nJoin us at The Copper Kettle on Harbour Street for an afternoon of hot "
    "chocolate, cupcakes and fun. We can't wait to see you!"
)
GENERATION_REPLY_RU = "Вот черновик: приходите в The Copper Kettle - будет вкусно и уютно!"
# The start of a JSON answer per document kind (and for generation), kept short.
JSON_REPLIES: Mapping[str, str] = {
    "contract": '[{"name": "deposit", "amount": "25% of quote", "deadline": "on booking"}]',
    "policy": '[{"room": "Loft", "deposit": 300, "minimum_spend": 900}]',
    "allergens": '{"Carrot cake": ["gluten", "eggs", "milk", "nuts"], "Soy milk": ["soya"]}',
    "invoice": '[{"product": "Oat milk barista 1L", "quantity": 12, "unit_price": 2.1}]',
    "reviews": '[{"reviewer": "Tom B.", "rating": 2, "sentiment": "negative"}]',
    "generation": '[{"course": "starter", "dish": "Tomato and red pepper soup"}]',
}
REVISIONS = text_lines("""
    can you make that shorter?
    make it a bit more formal please
    now translate it into Russian
    add something about the vegan options
    Can you put that in a table?
    less emojis, more warmth
""")
JSON_REVISIONS = text_lines("""
    Return that as JSON instead, please - a list of objects.
    Can you give me the same as JSON so I can paste it into our system?
""")
REVISIONS_RU = text_lines("""
    сделай короче
    а теперь на английском
""")
REVIEWS_TO_ANSWER = text_lines("""
    Lovely coffee but we waited 35 minutes for two sandwiches and nobody said sorry. 3 stars.
    Came for brunch with my mum, the shakshuka was amazing and the staff were so kind. Will be back!
    Overpriced. £3.90 for a latte that was barely warm. Won't return.
    Brilliant place to work from, but it was so loud on Friday I had to leave.
""")
MENU_TEXTS = text_lines("""
    Our shakshuka: free-range eggs baked in a spiced tomato and red pepper sauce, finished with
        crumbled feta and fresh coriander, served with warm flatbread.
    Vegetable lasagne: layers of courgette, spinach and ricotta in a slow-cooked tomato sauce,
        baked until golden and served with a crisp side salad.
    Almond croissant: our butter croissant, filled with almond frangipane, topped with flaked
        almonds and a dusting of icing sugar.
""")
TEXT_SLOTS: Mapping[str, tuple[str, ...]] = {"review": REVIEWS_TO_ANSWER, "menu_text": MENU_TEXTS}
