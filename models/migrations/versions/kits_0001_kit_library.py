"""The kit library, with its first kit: "Le Volontaire et la canicule" (until now a fixed screen of the
heat-wave feature), published as the action plan dates it (June 2019) and pinned in summer.

Revision ID: kits_0001
Revises:
Create Date: 2026-11-30 02:10:00
"""
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = 'kits_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('kits',)
depends_on: str | Sequence[str] | None = ('0001_foundation',)

HEAT_WAVE_FR = """# Le Volontaire et la canicule
Le premier kit des Volontaires du Climat. Quand Météo-France déclenche la vigilance canicule, les volontaires \
prennent des nouvelles de leurs voisins isolés.

## 🗓 Avant l'été
- Repérez les voisins isolés de votre immeuble ou de votre rue : personnes âgées, malades, handicapées ou qui \
vivent seules.
- Proposez-leur, avec leur accord, de s'inscrire au registre des personnes vulnérables de la Ville, **REFLEX** \
(anciennement CHALEX), en appelant le **3975**. Pendant une canicule, la Ville appelle les personnes inscrites.
- Le bot n'enregistre rien sur vos voisins : gardez leurs coordonnées vous-même, avec leur accord.

## 🌡 Pendant une alerte
Appelez ou passez voir vos voisins isolés **chaque jour**. Petit guide :

1. Buvez-vous assez d'eau ?
2. Les volets sont-ils fermés dans la journée ?
3. Avez-vous un ventilateur ?
4. Avez-vous vos médicaments ?
5. Avez-vous quelqu'un à appeler en cas de besoin ?

❄️ La salle rafraîchie la plus proche : dans les mairies, ouverte de **14 h à 18 h**.

## 🚨 Signes de danger
Signes du coup de chaleur :

- température de plus de 39 °C
- maux de tête violents
- vomissements
- confusion
- perte de connaissance
- convulsions

➡️ **Appelez le 15.** En attendant les secours, rafraîchissez la personne : mettez-la au frais, mouillez-la, \
faites de l'air.

## ☎️ Numéros utiles
- **15** : SAMU, urgence médicale
- **112** : numéro d'urgence européen
- **3975** : Ville de Paris, inscription au registre REFLEX (ex-CHALEX)
- **0 800 06 66 66** : Canicule info service (appel gratuit)

## 📚 Sources
- [Ville de Paris](https://www.paris.fr/pages/la-canicule-5469) : registre REFLEX (3975), salles rafraîchies des \
mairies.
- [Santé publique France](https://www.santepubliquefrance.fr/determinants-de-sante/climat/fortes-chaleurs-canicule) \
et [ministère de la Santé](https://sante.gouv.fr/sante-et-environnement/risques-climatiques/article/canicule-et-\
fortes-chaleurs) : signes du coup de chaleur, gestes, Canicule info service.
- [Météo-France](https://vigilance.meteofrance.fr/fr) : carte de vigilance canicule.
"""

HEAT_WAVE_EN = """# The volunteer and the heat wave
The Climate Volunteers' first kit. When Météo-France raises the heat-wave vigilance, volunteers check on their \
isolated neighbours.

## 🗓 Before summer
- Find the isolated neighbours in your building or street: older, ill or disabled people, or people living alone.
- With their consent, offer to sign them up to the City's register of vulnerable people, **REFLEX** (formerly \
CHALEX), by calling **3975**. During a heat wave, the City calls the people on it.
- The bot stores nothing about your neighbours: keep their details yourself, with their consent.

## 🌡 During an alert
Call or visit your isolated neighbours **every day**. A short script:

1. Are you drinking enough water?
2. Are the shutters closed during the day?
3. Do you have a fan?
4. Do you have your medicines?
5. Do you have someone to call if needed?

❄️ The nearest cooled room: in the mairies (town halls), open **14:00 to 18:00**.

## 🚨 Danger signs
Signs of heat stroke:

- temperature over 39 °C
- violent headache
- vomiting
- confusion
- fainting
- convulsions

➡️ **Call 15.** While waiting for help, cool the person down: move them somewhere cool, wet their skin, fan them.

## ☎️ Useful numbers
- **15**: SAMU, medical emergency
- **112**: European emergency number
- **3975**: City of Paris, REFLEX register (formerly CHALEX)
- **0 800 06 66 66**: Canicule info service (free call)

## 📚 Sources
- [Ville de Paris](https://www.paris.fr/pages/la-canicule-5469) (City of Paris): REFLEX register (3975), cooled \
rooms in the mairies.
- [Santé publique France](https://www.santepubliquefrance.fr/determinants-de-sante/climat/fortes-chaleurs-canicule) \
and the [ministère de la Santé](https://sante.gouv.fr/sante-et-environnement/risques-climatiques/article/canicule-\
et-fortes-chaleurs) (Ministry of Health): signs of heat stroke, what to do, Canicule info service.
- [Météo-France](https://vigilance.meteofrance.fr/fr): heat-wave vigilance map.
"""


def upgrade() -> None:
    kits = op.create_table('kits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('title_fr', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('title_en', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('source_fr', sa.Text(), nullable=False),
    sa.Column('source_en', sa.Text(), nullable=False),
    sa.Column('season', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('published_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("season IS NULL OR season IN ('summer')", name='ck_kits_season'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    op.create_index(op.f('ix_kits_published_at'), 'kits', ['published_at'], unique=False)
    first = datetime(2019, 6, 1, 8, 0, tzinfo=UTC)
    op.bulk_insert(kits, [{
        'slug': 'canicule', 'title_fr': 'Le Volontaire et la canicule', 'title_en': 'The volunteer and the heat wave',
        'source_fr': HEAT_WAVE_FR, 'source_en': HEAT_WAVE_EN, 'season': 'summer', 'published_at': first,
        'created_at': first, 'updated_at': first}])


def downgrade() -> None:
    op.drop_index(op.f('ix_kits_published_at'), table_name='kits')
    op.drop_table('kits')
